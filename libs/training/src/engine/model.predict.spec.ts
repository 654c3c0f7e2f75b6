import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@linescope/vision/backend';
import { buildModel, logitsToProbabilities, predictLogits } from '@linescope/vision/models';
import { createRng } from '../random/rng';
import { normalizedBatch, type BatchSource } from './batch.pipeline';
import { predictProbabilities } from './model.predict';

beforeAll(() => initBackend({ preferred: 'wasm', logger: () => undefined }));

const SIZE = 16;

function randomSource(count: number): BatchSource {
  const rng = createRng(5);
  const pixels = Array.from({ length: count }, () =>
    Uint8Array.from({ length: SIZE * SIZE * 3 }, () => Math.floor(rng.next() * 256)),
  );
  return {
    cache: { height: SIZE, width: SIZE, pixels, contentSha256: [], totalBytes: 0 },
    labels: pixels.map((_, i) => i % 3),
    normalization: 'resnet',
  };
}

describe('predictProbabilities', () => {
  let model: ReturnType<typeof buildModel>;
  beforeAll(() => {
    model = buildModel({ arch: 'resnet', depth: 10, width: 4, numClasses: 3, inputSize: SIZE, dropout: 0 });
  });
  afterAll(() => model.dispose());

  it('averages the probabilities of the test-time views, whatever the batch size', async () => {
    const source = randomSource(5);
    const indices = [4, 0, 2, 1, 3];
    const expected = tf.tidy(() => {
      const images = normalizedBatch(source.cache, indices, source.normalization);
      const views = [images, tf.reverse(images, 2), tf.reverse(images, 1), tf.reverse(images, [1, 2])];
      return tf
        .div(tf.addN(views.map((view) => logitsToProbabilities(predictLogits(model, view)))), 4)
        .arraySync();
    }) as number[][];
    const views = ['identity', 'hflip', 'vflip', 'rot180'] as const;
    // Batch 1 still scores one image (all its views) per pass; batch 8 two images per pass.
    for (const batchSize of [1, 8, 64]) {
      const rows = await predictProbabilities(model, source, indices, batchSize, views);
      expect(rows).toHaveLength(indices.length);
      rows.forEach((row, i) => row.forEach((p, c) => expect(p).toBeCloseTo(expected[i][c], 5)));
    }
  });

  it('scores the image alone by default', async () => {
    const source = randomSource(3);
    const expected = tf.tidy<number[][]>(() =>
      logitsToProbabilities(
        predictLogits(model, normalizedBatch(source.cache, [0, 1, 2], 'resnet')),
      ).arraySync(),
    );
    const rows = await predictProbabilities(model, source, [0, 1, 2], 2);
    rows.forEach((row, i) => row.forEach((p, c) => expect(p).toBeCloseTo(expected[i][c], 6)));
    const flipped = await predictProbabilities(model, source, [0, 1, 2], 2, ['identity', 'hflip']);
    expect(flipped.flat().some((p, k) => Math.abs(p - rows.flat()[k]) > 1e-5)).toBe(true);
  });
});
