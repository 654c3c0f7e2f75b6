import path from 'node:path';
import { FsObjectStore } from '@linescope/storage';
import { type DataSource } from 'typeorm';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { buildModel } from '@linescope/vision/models';
import {
  binary,
  promote,
  publishModel,
  TINY_INPUT,
  tileImages,
  tinyModel,
} from '../inference/inference.fixtures';
import { useApiWithInference } from '../support/api-with-inference';
import { waitFor } from '../support/processes';

/**
 * Heatmaps at line rate: a global-average-pooled CNN's class activation map comes out of the verdict's own forward
 * pass (TensorFlow.js or ONNX Runtime), so a flagged image's heatmap is stored when its verdict is answered and no
 * render job is queued; a head without global average pooling still gets its Grad-CAM from the job.
 */
describe('the heatmap of a flagged verdict', () => {
  const product = useApiWithInference('linescope-verdict-heatmap-');
  let api: string;
  let dataDir: string;
  let dataSource: DataSource;
  beforeAll(() => void ({ api, dataDir, dataSource } = product));
  const admin = product.admin;
  const cameraOn = async (verdictMode: 'sync' | 'async') => {
    const line = await admin('/api/v1/lines', {
      name: `line-${verdictMode}-${Math.random().toString(36).slice(2, 8)}`,
      verdictMode,
      verdictDeadlineMs: 3000,
    });
    return (await admin(`/api/v1/lines/${line.id}/cameras`, { name: 'cam' })).apiKey as string;
  };
  const upload = async (key: string, image: Buffer, serial: string) => {
    const response = await fetch(`${api}/api/v1/inspections?serial=${serial}`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'image/jpeg' },
      body: image,
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const renderJobs = async (inspectionId: string) =>
    Number(
      (
        await dataSource.query<{ count: string }[]>(
          `SELECT count(*) FROM pgboss.job WHERE name = 'render-heatmap' AND data->>'inspectionId' = $1`,
          [inspectionId],
        )
      )[0].count,
    );
  const heatmapKeyOf = async (inspectionId: string) =>
    (
      await dataSource.query<{ heatmap_key: string | null }[]>(
        `SELECT heatmap_key FROM inspections WHERE id = $1`,
        [inspectionId],
      )
    )[0].heatmap_key;

  it('is stored before the verdict is answered for a GAP CNN, by either engine, and no render job is queued', async () => {
    const store = new FsObjectStore(path.join(dataDir, 'storage'));
    await store.init();
    const key = await cameraOn('sync');
    const [image] = tileImages('crack', 1);
    for (const onnx of [undefined, 'row'] as const) {
      const model = await publishModel(
        dataSource,
        store,
        await tinyModel({ fixedProbabilities: binary(0.8) }),
        { onnx },
      );
      await promote(dataSource, model.id, { notify: true });
      await waitFor(
        async () => (await upload(key, image, `SN-PROBE-${model.id}`)).body.modelVersionId === model.id,
        60_000,
        `version ${model.id} serving`,
      );
      const answered = await upload(key, image, `SN-${onnx ?? 'tfjs'}`);
      // Read at once: whatever the answer names was written before it left.
      const heatmapKey = await heatmapKeyOf(answered.body.id);
      expect(answered.status).toBe(201);
      expect(answered.body).toMatchObject({ status: 'scored', verdict: 'defect', modelVersionId: model.id });
      expect(answered.body.latency.engine).toMatch(onnx === undefined ? /^tfjs/ : /^onnxruntime/);
      expect(heatmapKey).toMatch(new RegExp(`^heatmaps/.+/${answered.body.id}\\.png$`));
      const png = await sharp(await store.get(heatmapKey!)).metadata();
      expect(png.format).toBe('png');
      expect(png.width).toBeGreaterThan(0);
      expect(await renderJobs(answered.body.id)).toBe(0);
    }
  }, 150_000);

  it('is left to the Grad-CAM job for a head without global average pooling', async () => {
    const store = new FsObjectStore(path.join(dataDir, 'storage'));
    await store.init();
    const maxPooled = buildModel({
      arch: 'resnet',
      depth: 10,
      width: 8,
      numClasses: 2,
      inputSize: TINY_INPUT,
      dropout: 0,
      pooling: 'max',
      seed: 3,
    });
    const head = maxPooled.layers.findLast((layer) => layer.getClassName() === 'Dense')!;
    // Small random classifier weights and a bias that makes every image a defect: a real (non-zero) Grad-CAM.
    const [kernel] = head.getWeights();
    head.setWeights([tf.mul(kernel, 0.01), tf.tensor1d(binary(0.9).map(Math.log))]);
    const model = await publishModel(dataSource, store, maxPooled, { onnx: 'row' });
    await promote(dataSource, model.id, { notify: true });
    const key = await cameraOn('sync');
    const [image] = tileImages('crack', 1);
    await waitFor(
      async () => (await upload(key, image, `SN-PROBE-${model.id}`)).body.modelVersionId === model.id,
      60_000,
      `version ${model.id} serving`,
    );
    const answered = await upload(key, image, 'SN-MAXPOOL');
    expect(answered.body).toMatchObject({ status: 'scored', verdict: 'defect', modelVersionId: model.id });
    expect(await renderJobs(answered.body.id)).toBe(1);
    await waitFor(async () => (await heatmapKeyOf(answered.body.id)) !== null, 60_000, 'the job renders it');
  }, 150_000);
});
