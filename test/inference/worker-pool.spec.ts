import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FsObjectStore } from '@linescope/storage';
import { modelVersionPrefix, saveModelArtifact } from '@linescope/vision/artifacts';
import { initBackend } from '@linescope/vision/backend';
import { buildModel, logitsToProbabilities, predictLogits } from '@linescope/vision/models';
import { type PreprocessSpec } from '@linescope/vision/preprocess';
import { readModelArtifact } from '../../apps/inference/src/models/model-artifact.reader';
import { prepareImage } from '../../apps/inference/src/scoring/image.prepare';
import { type ModelArtifactBytes } from '../../apps/inference/src/workers/worker.protocol';
import { WorkerPool } from '../../apps/inference/src/workers/worker.pool';
import { tileImages } from './inference.fixtures';

const SIZE = 64;
const SPEC: PreprocessSpec = { inputSize: [SIZE, SIZE], resize: 'squash', normalization: 'resnet' };

/** Two real wasm worker threads serving real (random-weight) zoo models read from a real filesystem store. */
describe('worker pool', () => {
  let dir: string;
  let pool: WorkerPool;
  const models: { id: string; model: tfl.LayersModel; artifact: ModelArtifactBytes }[] = [];
  let inputs: Float32Array[];

  beforeAll(async () => {
    await initBackend({ preferred: 'wasm', logger: () => undefined });
    dir = await mkdtemp(path.join(tmpdir(), 'linescope-pool-'));
    const store = new FsObjectStore(dir);
    await store.init();
    const images = [...tileImages('crack', 2), ...tileImages('ok', 2)];
    inputs = await Promise.all(images.map(async (bytes) => (await prepareImage(bytes, SPEC)).input));
    for (const id of ['version-a', 'version-b']) {
      const model = buildModel({
        arch: 'resnet',
        depth: 10,
        width: 8,
        numClasses: 3,
        inputSize: SIZE,
        dropout: 0,
      });
      moderateLogits(model, inputs);
      await saveModelArtifact(store, modelVersionPrefix(id), model, {
        architecture: { arch: 'resnet', depth: 10, width: 8 },
        inputSize: [SIZE, SIZE],
        preprocessing: SPEC,
        classNames: ['ok', 'crack', 'blowhole'],
        positiveClasses: ['crack', 'blowhole'],
        operatingPoint: { threshold: 0.5, uncertainBand: { low: 0.4, high: 0.6 } },
        trainingConfig: {},
        metrics: {},
      });
      const { artifact } = await readModelArtifact(store, modelVersionPrefix(id));
      models.push({ id, model, artifact });
    }
    pool = await WorkerPool.start({ size: 2, backend: 'wasm' });
  });

  afterAll(async () => {
    await pool?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Random weights through ten layers can give logits so large that every softmax saturates to 0/1 and every
   * test-time view gives the same probabilities; scaling the head to logits of unit spread keeps the
   * probabilities sensitive to the input, so comparing views means something.
   */
  const moderateLogits = (model: tfl.LayersModel, images: Float32Array[]) => {
    const head = [...model.layers].reverse().find((layer) => layer.getWeights().length === 2)!;
    const spread = tf.tidy(() => {
      const logits = predictLogits(model, tf.tensor4d(batchOf(images), [images.length, SIZE, SIZE, 3]));
      return tf.sqrt(tf.moments(logits).variance).dataSync()[0];
    });
    if (spread > 0) tf.tidy(() => head.setWeights(head.getWeights().map((weight) => tf.div(weight, spread))));
  };

  const batchOf = (images: Float32Array[]) => {
    const batch = new Float32Array(images.length * images[0].length);
    images.forEach((image, index) => batch.set(image, index * image.length));
    return batch;
  };

  const expectedProbabilities = (model: tfl.LayersModel, images: Float32Array[]) =>
    tf
      .tidy(() =>
        logitsToProbabilities(
          predictLogits(model, tf.tensor4d(batchOf(images), [images.length, SIZE, SIZE, 3])),
        ),
      )
      .dataSync();

  it('starts one backend per worker and answers like the model itself, on both workers at once', async () => {
    expect(pool.backend.name).toBe('wasm');
    expect(pool.size).toBe(2);
    const [a] = models;
    await pool.loadEverywhere(a.id, a.artifact);
    expect(pool.status().map((worker) => worker.models)).toEqual([[a.id], [a.id]]);

    const [first, second] = await Promise.all([
      pool.predict(a.id, batchOf(inputs), inputs.length),
      pool.predict(a.id, batchOf(inputs.slice(0, 1)), 1),
    ]);
    expect(new Set([first.workerId, second.workerId])).toEqual(new Set([0, 1]));
    expect(first.classes).toBe(3);
    const expected = expectedProbabilities(a.model, inputs);
    expect(first.probabilities).toHaveLength(expected.length);
    first.probabilities.forEach((value, index) => expect(value).toBeCloseTo(expected[index], 4));
    second.probabilities.forEach((value, index) => expect(value).toBeCloseTo(expected[index], 4));
    expect(first.forwardMs).toBeGreaterThan(0);
  });

  it('serves two versions side by side during a swap, then only the new one', async () => {
    const [a, b] = models;
    await pool.loadEverywhere(b.id, b.artifact);
    const [fromA, fromB] = await Promise.all([
      pool.predict(a.id, batchOf(inputs.slice(0, 2)), 2),
      pool.predict(b.id, batchOf(inputs.slice(0, 2)), 2),
    ]);
    expect(Array.from(fromA.probabilities)).not.toEqual(Array.from(fromB.probabilities));
    const expectedB = expectedProbabilities(b.model, inputs.slice(0, 2));
    fromB.probabilities.forEach((value, index) => expect(value).toBeCloseTo(expectedB[index], 4));

    await pool.unloadEverywhere(a.id);
    expect(pool.status().map((worker) => worker.models)).toEqual([[b.id], [b.id]]);
    await expect(pool.predict(a.id, batchOf(inputs.slice(0, 1)), 1)).rejects.toThrow(/not loaded/);
  });

  it('scores a version with test-time views as the mean of its views, each image on its own', async () => {
    const [a] = models;
    const id = 'version-a-views';
    await pool.loadEverywhere(id, {
      ...a.artifact,
      testTimeViews: ['identity', 'hflip', 'rot90', 'transpose'],
    });
    const images = inputs.slice(0, 3);
    const result = await pool.predict(id, batchOf(images), images.length);
    expect(result.classes).toBe(3);
    expect(result.probabilities).toHaveLength(images.length * 3);
    // The views written independently, with tfjs' reverse and transpose.
    const expected = tf.tidy(() => {
      const batch = tf.tensor4d(batchOf(images), [images.length, SIZE, SIZE, 3]);
      const transposed = tf.transpose(batch, [0, 2, 1, 3]);
      const views = [batch, tf.reverse(batch, 2), tf.reverse(transposed, 1), transposed];
      const probabilities = views.map((view) => logitsToProbabilities(predictLogits(a.model, view)));
      return tf.div(tf.addN(probabilities), views.length).dataSync();
    });
    result.probabilities.forEach((value, index) => expect(value).toBeCloseTo(expected[index], 4));
    const identityOnly = expectedProbabilities(a.model, images);
    expect(
      Array.from(result.probabilities).some((value, index) => Math.abs(value - identityOnly[index]) > 1e-4),
    ).toBe(true);
    await pool.unloadEverywhere(id);
  });

  it('explains an image with a Grad-CAM map normalised to [0, 1]', async () => {
    const [, b] = models;
    const explanation = await pool.explain(b.id, inputs[0], 1);
    expect(explanation.method).toBe('grad-cam');
    expect([explanation.height, explanation.width]).toEqual([SIZE / 32, SIZE / 32]);
    expect(explanation.values).toHaveLength((SIZE / 32) ** 2);
    expect(Math.max(...explanation.values)).toBeLessThanOrEqual(1);
    expect(Math.min(...explanation.values)).toBeGreaterThanOrEqual(0);
  });

  it('replaces a worker that dies and gives it the current models again', async () => {
    const [, b] = models;
    const lost: number[] = [];
    const crashing = await WorkerPool.start({
      size: 1,
      backend: 'wasm',
      onWorkerLost: (id) => lost.push(id),
    });
    try {
      await crashing.loadEverywhere(b.id, b.artifact);
      // A worker thread killed from outside, as an out-of-memory abort would.
      const internals = crashing as unknown as { workers: { thread: { terminate(): Promise<number> } }[] };
      await internals.workers[0].thread.terminate();
      const started = Date.now();
      while (crashing.status().length === 0 || crashing.status()[0].models.length === 0) {
        if (Date.now() - started > 20_000) throw new Error('the worker was not replaced');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(lost).toEqual([0]);
      const result = await crashing.predict(b.id, batchOf(inputs.slice(0, 1)), 1);
      const expected = expectedProbabilities(b.model, inputs.slice(0, 1));
      result.probabilities.forEach((value, index) => expect(value).toBeCloseTo(expected[index], 4));
    } finally {
      await crashing.close();
    }
  });
});
