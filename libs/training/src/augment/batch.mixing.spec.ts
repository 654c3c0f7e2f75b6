import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRng } from '../random/rng';
import { softmaxCrossEntropy } from '../engine/cross-entropy.loss';
import {
  createBatchMixer,
  cutmixBox,
  drawMixPlan,
  mixImages,
  mixLabels,
  sampleBeta,
  sampleGamma,
  type MixPlan,
} from './batch.mixing';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function moments(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, variance };
}

describe('sampleGamma and sampleBeta', () => {
  it.each([0.3, 0.8, 1, 4])('Gamma(%p) has mean and variance equal to its shape', (shape) => {
    const rng = createRng(1);
    const { mean, variance } = moments(Array.from({ length: 40_000 }, () => sampleGamma(rng, shape)));
    expect(mean).toBeCloseTo(shape, 1);
    expect(variance).toBeGreaterThan(shape * 0.93);
    expect(variance).toBeLessThan(shape * 1.07);
  });

  it.each([0.8, 1, 2])('Beta(%p, %p) is symmetric with variance 1 / (4 (2 alpha + 1))', (alpha) => {
    const rng = createRng(2);
    const draws = Array.from({ length: 40_000 }, () => sampleBeta(rng, alpha, alpha));
    expect(draws.every((x) => x >= 0 && x <= 1)).toBe(true);
    const { mean, variance } = moments(draws);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / (4 * (2 * alpha + 1)), 2);
  });

  it('refuses a shape that is not positive', () => {
    expect(() => sampleGamma(createRng(0), 0)).toThrow(RangeError);
  });
});

describe('cutmixBox', () => {
  it('pastes about 1 - lambda of the image and reports the exact share of the clipped box', () => {
    const rng = createRng(3);
    for (let i = 0; i < 200; i++) {
      const lambda = rng.next();
      const { box, lambda: exact } = cutmixBox(rng, lambda, 20, 30);
      const [top, left, bottom, right] = box;
      expect(top).toBeGreaterThanOrEqual(0);
      expect(left).toBeGreaterThanOrEqual(0);
      expect(bottom).toBeLessThanOrEqual(20);
      expect(right).toBeLessThanOrEqual(30);
      expect(exact).toBeCloseTo(1 - ((bottom - top) * (right - left)) / 600, 10);
      // Clipping only ever shrinks the box.
      expect(exact).toBeGreaterThanOrEqual(lambda - 0.1);
    }
  });
});

describe('mixImages and mixLabels', () => {
  const images = () =>
    tf.tensor4d(
      Float32Array.from({ length: 3 * 4 * 5 * 3 }, (_, i) => i),
      [3, 4, 5, 3],
    );

  it('blends each image with its partner by lambda (mixup)', () => {
    const plan: MixPlan = { kind: 'mixup', partner: [2, 0, 1], lambda: 0.7 };
    const x = images();
    const mixed = mixImages(x, plan).arraySync();
    const original = x.arraySync();
    expect(mixed[0][1][2][0]).toBeCloseTo(0.7 * original[0][1][2][0] + 0.3 * original[2][1][2][0], 4);
    expect(mixed[1][3][4][2]).toBeCloseTo(0.7 * original[1][3][4][2] + 0.3 * original[0][3][4][2], 4);
    tf.dispose(x);
  });

  it('pastes the partner inside the box only (cutmix)', () => {
    const plan: MixPlan = { kind: 'cutmix', partner: [1, 2, 0], lambda: 0.8, box: [1, 2, 3, 4] };
    const x = images();
    const mixed = mixImages(x, plan).arraySync();
    const original = x.arraySync();
    for (let i = 0; i < 3; i++)
      for (let y = 0; y < 4; y++)
        for (let col = 0; col < 5; col++) {
          const inside = y >= 1 && y < 3 && col >= 2 && col < 4;
          const source = inside ? plan.partner[i] : i;
          expect(mixed[i][y][col]).toEqual(original[source][y][col]);
        }
    tf.dispose(x);
  });

  it('makes the heavier label the dominant one', () => {
    expect(mixLabels([0, 1, 2], { kind: 'mixup', partner: [2, 0, 1], lambda: 0.7 })).toEqual({
      labels: [0, 1, 2],
      others: [2, 0, 1],
      weight: 0.7,
    });
    expect(mixLabels([0, 1, 2], { kind: 'mixup', partner: [2, 0, 1], lambda: 0.2 })).toEqual({
      labels: [2, 0, 1],
      others: [0, 1, 2],
      weight: 0.8,
    });
  });
});

describe('drawMixPlan and createBatchMixer', () => {
  it('mixes about p of the batches, draws the same plans from the same seed, and never a batch of one', () => {
    const options = { mixup: { p: 0.5, alpha: 0.8 }, cutmix: { p: 0.5, alpha: 1 } };
    const plans = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 2000 }, () => drawMixPlan(options, rng, 8, 16, 16));
    };
    const drawn = plans(4);
    expect(JSON.stringify(plans(4))).toBe(JSON.stringify(drawn));
    const mixed = drawn.filter((plan) => plan !== null);
    expect(mixed.length / drawn.length).toBeGreaterThan(0.45);
    expect(mixed.length / drawn.length).toBeLessThan(0.55);
    const cutmix = mixed.filter((plan) => plan.kind === 'cutmix').length;
    expect(cutmix / mixed.length).toBeGreaterThan(0.45);
    expect(cutmix / mixed.length).toBeLessThan(0.55);
    for (const plan of mixed)
      expect([...plan.partner].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(drawMixPlan(options, createRng(0), 1, 16, 16)).toBeNull();
  });

  it('returns the mixed images with their labels, leaving the input alone', () => {
    const mixer = createBatchMixer({ mixup: { p: 1, alpha: 1 } }, createRng(5));
    const x = tf.tensor4d([0, 0, 0, 10, 10, 10], [2, 1, 1, 3]);
    const result = mixer(x, [0, 1]);
    expect(result).not.toBeNull();
    const values = Array.from(result!.images.dataSync());
    // Each pixel is a blend of 0 and 10, and the two images' blends are mirror images of each other.
    expect(values.every((v) => v >= 0 && v <= 10)).toBe(true);
    expect(values[0] + values[3]).toBeCloseTo(10, 4);
    expect(result!.labels.weight).toBeGreaterThanOrEqual(0.5);
    expect(Array.from(x.dataSync())).toEqual([0, 0, 0, 10, 10, 10]);
    tf.dispose([x, result!.images]);
  });
});

describe('cross-entropy of mixed targets', () => {
  it('is the weighted sum of the two labels cross-entropies, class weights mixed alike', () => {
    const logits = tf.tensor2d([
      [2, 0.5, -1],
      [0, 1, 3],
    ]);
    const labels = tf.tensor1d([0, 2], 'int32');
    const others = tf.tensor1d([1, 0], 'int32');
    const logSoftmax = tf.logSoftmax(logits).arraySync();
    const ce = (row: number, label: number) => -logSoftmax[row][label];
    const w = 0.75;
    const perRow = [w * ce(0, 0) + (1 - w) * ce(0, 1), w * ce(1, 2) + (1 - w) * ce(1, 0)];
    const plain = softmaxCrossEntropy(logits, labels, { mix: { labels: others, weight: w } });
    expect(plain.dataSync()[0]).toBeCloseTo((perRow[0] + perRow[1]) / 2, 5);

    const classWeights = tf.tensor1d([1, 2, 4]);
    const rowWeights = [w * 1 + (1 - w) * 2, w * 4 + (1 - w) * 1];
    const weighted = softmaxCrossEntropy(logits, labels, {
      classWeights,
      mix: { labels: others, weight: w },
    });
    expect(weighted.dataSync()[0]).toBeCloseTo(
      (perRow[0] * rowWeights[0] + perRow[1] * rowWeights[1]) / (rowWeights[0] + rowWeights[1]),
      5,
    );
    tf.dispose([logits, labels, others, plain, classWeights, weighted]);
  });
});
