import { type TestTimeView } from '@linescope/vision/test-time';
import { InferenceRuntime } from '../../apps/inference/src/inference.runtime';
import { prepareImage } from '../../apps/inference/src/scoring/image.prepare';
import {
  binary,
  createLine,
  type InferenceHarness,
  type InferenceSetup,
  ping,
  predict,
  prepareInference,
  promote,
  publishModel,
  TINY_PREPROCESSING,
  tileImages,
  tinyModel,
  waitFor,
} from './inference.fixtures';

const ORT = 'onnxruntime-cpu';
const TFJS = 'tfjs-wasm';

/**
 * The engine of each version: ONNX Runtime (in the worker threads) for a version with an ONNX artifact, else
 * TensorFlow.js; both score the same preprocessed tensors of real magnetic-tile JPEGs.
 */
describe('ONNX Runtime engine', () => {
  let setup: InferenceSetup;
  let service: InferenceHarness | undefined;
  let withOnnx: { id: string };
  let sameWeightsTfjs: { id: string };
  let manifestOnnx: { id: string };
  let withoutOnnx: { id: string };
  let tfjsLine: { id: string };
  let manifestLine: { id: string };
  let plainLine: { id: string };
  let onnxViewsLine: { id: string };
  let tfjsViewsLine: { id: string };
  let tfjsViews: { id: string };
  const images = [...tileImages('ok', 3), ...tileImages('crack', 3)];

  beforeAll(async () => {
    setup = await prepareInference();
    // Random (He) weights: every image gets its own probabilities, so agreement between engines means something.
    // Seeded: random weights could score an image and its flips within 1e-4 of each other by chance.
    const model = await tinyModel({ classNames: ['ok', 'crack', 'blowhole'], seed: 7 });
    const classNames = ['ok', 'crack', 'blowhole'];
    withOnnx = await publishModel(setup.dataSource, setup.store, model, {
      classNames,
      stage: 'production',
      onnx: 'row',
    });
    sameWeightsTfjs = await publishModel(setup.dataSource, setup.store, model, { classNames });
    manifestOnnx = await publishModel(setup.dataSource, setup.store, model, { classNames, onnx: 'manifest' });
    withoutOnnx = await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.3) }),
    );
    tfjsLine = await createLine(setup.dataSource, { modelVersionId: sameWeightsTfjs.id });
    manifestLine = await createLine(setup.dataSource, { modelVersionId: manifestOnnx.id });
    plainLine = await createLine(setup.dataSource, { modelVersionId: withoutOnnx.id });
    const views: TestTimeView[] = ['identity', 'hflip', 'vflip', 'rot180'];
    const onnxViews = await publishModel(setup.dataSource, setup.store, model, {
      classNames,
      onnx: 'row',
      testTimeViews: views,
    });
    tfjsViews = await publishModel(setup.dataSource, setup.store, model, {
      classNames,
      testTimeViews: views,
    });
    onnxViewsLine = await createLine(setup.dataSource, { modelVersionId: onnxViews.id });
    tfjsViewsLine = await createLine(setup.dataSource, { modelVersionId: tfjsViews.id });
  });
  afterAll(async () => {
    await service?.stop();
    await setup?.cleanup();
  });

  it('scores a version with an ONNX artifact with ONNX Runtime, as TensorFlow.js does within 1e-4', async () => {
    service = await setup.start({ INFERENCE_MODEL_POLL_MS: '600000' });
    const report = await ping(service.url);
    expect(report).toMatchObject({ engine: 'auto', engines: { tfjs: TFJS, onnx: ORT }, failedModels: [] });
    expect(report.models).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: withOnnx.id, role: 'production', engine: ORT }),
        expect.objectContaining({ id: sameWeightsTfjs.id, role: 'line-override', engine: TFJS }),
        expect.objectContaining({ id: manifestOnnx.id, role: 'line-override', engine: ORT }),
        expect.objectContaining({ id: withoutOnnx.id, role: 'line-override', engine: TFJS }),
      ]),
    );

    let largestDifference = 0;
    for (const image of images) {
      const [onnx, tfjs, fromManifest] = await Promise.all([
        predict(service.url, image),
        predict(service.url, image, { lineId: tfjsLine.id }),
        predict(service.url, image, { lineId: manifestLine.id }),
      ]);
      expect([onnx.status, tfjs.status, fromManifest.status]).toEqual([200, 200, 200]);
      expect(onnx.body).toMatchObject({ modelVersionId: withOnnx.id, engine: ORT, timing: { engine: ORT } });
      expect(tfjs.body).toMatchObject({
        modelVersionId: sameWeightsTfjs.id,
        engine: TFJS,
        timing: { engine: TFJS },
      });
      expect(fromManifest.body).toMatchObject({ modelVersionId: manifestOnnx.id, engine: ORT });
      for (const className of ['ok', 'crack', 'blowhole']) {
        for (const answer of [onnx, fromManifest]) {
          const difference = Math.abs(
            answer.body.probabilities[className] - tfjs.body.probabilities[className],
          );
          largestDifference = Math.max(largestDifference, difference);
        }
      }
      expect(Math.abs(onnx.body.score - tfjs.body.score)).toBeLessThan(1e-4);
      expect(onnx.body.verdict).toBe(tfjs.body.verdict);
    }
    expect(largestDifference).toBeLessThan(1e-4);
    // Random weights: the images are not all scored alike, by either engine.
    const scores = await Promise.all(
      images.map(async (image) => (await predict(service!.url, image)).body.score),
    );
    expect(new Set(scores.map((score: number) => score.toFixed(6))).size).toBeGreaterThan(1);

    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(
        `linescope_inference_predictions_total\\{model_version="${withOnnx.id}",verdict="\\w+",engine="${ORT}"`,
      ),
    );
    expect(metrics).toMatch(
      new RegExp(
        `linescope_inference_predictions_total\\{model_version="${sameWeightsTfjs.id}",verdict="\\w+",engine="${TFJS}"`,
      ),
    );
    expect(metrics).toMatch(
      /linescope_inference_forward_seconds_count\{app="inference",priority="production",engine="onnxruntime-cpu"\} [1-9]/,
    );
  });

  it('averages test-time views alike under ONNX Runtime and TensorFlow.js', async () => {
    if (!service) throw new Error('the service did not start in the first test');
    for (const image of images.slice(0, 4)) {
      const [onnx, tfjs, single] = await Promise.all([
        predict(service.url, image, { lineId: onnxViewsLine.id }),
        predict(service.url, image, { lineId: tfjsViewsLine.id }),
        predict(service.url, image),
      ]);
      expect([onnx.status, tfjs.status, single.status]).toEqual([200, 200, 200]);
      expect([onnx.body.engine, tfjs.body.engine]).toEqual([ORT, TFJS]);
      expect(Math.abs(onnx.body.score - tfjs.body.score)).toBeLessThan(1e-4);
      // The same weights scoring the image alone answer otherwise: the views were averaged.
      expect(Math.abs(onnx.body.score - single.body.score)).toBeGreaterThan(1e-4);
    }
  });

  it('serves a version without an ONNX artifact with TensorFlow.js', async () => {
    const answer = await predict(service!.url, images[0], { lineId: plainLine.id });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      modelVersionId: withoutOnnx.id,
      engine: TFJS,
      timing: { engine: TFJS },
    });
    expect(answer.body.score).toBeCloseTo(0.3, 5);
  });

  it('explains an image of a version scored by ONNX Runtime with Grad-CAM of its TensorFlow.js model', async () => {
    const runtime = service!.running.app.get(InferenceRuntime);
    const { input } = await prepareImage(images[3], TINY_PREPROCESSING);
    const explanation = await runtime.pool.explain(withOnnx.id, input, 1);
    expect(explanation.method).toBe('grad-cam');
    expect(explanation.values.length).toBe(explanation.height * explanation.width);
    expect(Math.max(...explanation.values)).toBeLessThanOrEqual(1);
    expect(Math.min(...explanation.values)).toBeGreaterThanOrEqual(0);
    // The session still scores after the layers model was built beside it.
    expect((await predict(service!.url, images[3])).body.engine).toBe(ORT);
    await service!.stop();
    service = undefined;
  });

  it('uses TensorFlow.js only when INFERENCE_ENGINE=tfjs', async () => {
    service = await setup.start({ INFERENCE_ENGINE: 'tfjs', INFERENCE_MODEL_POLL_MS: '600000' });
    const report = await ping(service.url);
    expect(report.engines).toEqual({ tfjs: TFJS, onnx: null });
    expect(report.models.map((model: { engine: string }) => model.engine)).toEqual(
      report.models.map(() => TFJS),
    );
    const answer = await predict(service.url, images[1]);
    expect(answer.body).toMatchObject({
      modelVersionId: withOnnx.id,
      engine: TFJS,
      timing: { engine: TFJS },
    });
    await service.stop();
    service = undefined;
  });

  it('fails the load of a version without an ONNX artifact when INFERENCE_ENGINE=onnx, with the reason', async () => {
    service = await setup.start({ INFERENCE_ENGINE: 'onnx', INFERENCE_MODEL_POLL_MS: '600000' });
    const report = await ping(service.url);
    expect(report.engine).toBe('onnx');
    expect(report.failedModels).toHaveLength(3);
    expect(report.failedModels).toEqual(
      expect.arrayContaining(
        [withoutOnnx.id, sameWeightsTfjs.id, tfjsViews.id].map((id) => ({
          id,
          error: expect.stringMatching(/^INFERENCE_ENGINE=onnx, but this model version has no ONNX artifact/),
        })),
      ),
    );
    expect((await predict(service.url, images[0])).body.engine).toBe(ORT);
    const refused = await predict(service.url, images[0], { lineId: plainLine.id });
    expect(refused.status).toBe(503);
    expect(JSON.stringify(refused.body)).toMatch(/no ONNX artifact/);
    await service.stop();
    service = undefined;
  });
});

interface Call {
  client: number;
  startedAt: number;
  status: number;
  modelVersionId?: string;
  engine?: string;
  score?: number;
}

/** Promotions between an ONNX Runtime version and a TensorFlow.js version while clients keep sending images. */
describe('hot swap between engines under load', () => {
  let setup: InferenceSetup;
  let service: InferenceHarness;
  let onnxVersion: { id: string };
  let tfjsVersion: { id: string };
  const images = [...tileImages('ok', 3), ...tileImages('blowhole', 3)];

  beforeAll(async () => {
    setup = await prepareInference();
    onnxVersion = await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.2) }),
      {
        stage: 'production',
        onnx: 'row',
      },
    );
    tfjsVersion = await publishModel(
      setup.dataSource,
      setup.store,
      await tinyModel({ fixedProbabilities: binary(0.8) }),
    );
    service = await setup.start({ INFERENCE_WORKERS: '2', INFERENCE_MODEL_POLL_MS: '600000' });
  });
  afterAll(async () => {
    await service?.stop();
    await setup?.cleanup();
  });

  const load = (clients: number) => {
    const calls: Call[] = [];
    let running = true;
    const loops = Array.from({ length: clients }, async (_, client) => {
      for (let index = client; running; index++) {
        const startedAt = performance.now();
        const answer = await predict(service.url, images[index % images.length]).catch(() => undefined);
        calls.push({
          client,
          startedAt,
          status: answer?.status ?? 0,
          modelVersionId: answer?.body.modelVersionId,
          engine: answer?.body.engine,
          score: answer?.body.score,
        });
      }
    });
    return {
      calls,
      stop: async () => {
        running = false;
        await Promise.all(loops);
      },
    };
  };

  const swapUnderLoad = async (from: { id: string }, to: { id: string }) => {
    const traffic = load(4);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await promote(setup.dataSource, to.id, { notify: true });
    await waitFor(async () => traffic.calls.some((call) => call.modelVersionId === to.id), 15_000, 'swap');
    await new Promise((resolve) => setTimeout(resolve, 400));
    await traffic.stop();
    const { calls } = traffic;
    expect(calls.length).toBeGreaterThan(10);
    expect(calls.filter((call) => call.status !== 200)).toEqual([]);
    const expected = new Map([
      [onnxVersion.id, { engine: ORT, score: 0.2 }],
      [tfjsVersion.id, { engine: TFJS, score: 0.8 }],
    ]);
    for (const call of calls) {
      expect([from.id, to.id]).toContain(call.modelVersionId);
      expect(call.engine).toBe(expected.get(call.modelVersionId!)!.engine);
      expect(call.score).toBeCloseTo(expected.get(call.modelVersionId!)!.score, 5);
    }
    expect(calls.some((call) => call.modelVersionId === from.id)).toBe(true);
    for (let client = 0; client < 4; client++) {
      const own = calls.filter((call) => call.client === client).sort((a, b) => a.startedAt - b.startedAt);
      const firstNew = own.findIndex((call) => call.modelVersionId === to.id);
      if (firstNew >= 0)
        expect(own.slice(firstNew).every((call) => call.modelVersionId === to.id)).toBe(true);
    }
    await waitFor(
      async () =>
        (await ping(service.url)).workers.every(
          (worker: { models: string[] }) => worker.models.join() === to.id,
        ),
      5_000,
      'old version unloaded',
    );
  };

  it('swaps from ONNX Runtime to TensorFlow.js and back without losing a request', async () => {
    expect((await ping(service.url)).models).toEqual([
      expect.objectContaining({ id: onnxVersion.id, engine: ORT }),
    ]);
    await swapUnderLoad(onnxVersion, tfjsVersion);
    expect((await ping(service.url)).models).toEqual([
      expect.objectContaining({ id: tfjsVersion.id, engine: TFJS }),
    ]);
    await swapUnderLoad(tfjsVersion, onnxVersion);
    expect((await ping(service.url)).models).toEqual([
      expect.objectContaining({ id: onnxVersion.id, engine: ORT }),
    ]);
  });
});
