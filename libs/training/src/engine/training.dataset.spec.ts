import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@linescope/vision/backend';
import { preprocess, type PreprocessSpec } from '@linescope/vision/preprocess';
import { classWeights } from '../data/class.weights';
import { datasetFingerprint } from '../data/dataset.fingerprint';
import { MAGNETIC_TILE, NEU_CLS } from '../testing/shared-datasets.testing';
import {
  chunkBatches,
  epochOrder,
  makeBatch,
  normalizeTensor,
  normalizedBatch,
  pixelBatch,
} from './batch.pipeline';
import { softmaxCrossEntropy } from './cross-entropy.loss';
import { resolveTrainingConfig, preprocessSpecFor } from './training.config';
import {
  fingerprintFromCache,
  listSamples,
  loadImageCache,
  prepareDataset,
  splitSamples,
} from './training.dataset';

beforeAll(() => initBackend({ preferred: 'wasm', logger: () => undefined }));

const tileConfig = (patch: object = {}) =>
  resolveTrainingConfig({
    seed: 7,
    data: { source: { kind: 'folder', path: MAGNETIC_TILE }, limitPerClass: 6 },
    model: { arch: 'resnet', depth: 10, width: 8, inputSize: 32 },
    ...patch,
  });

describe('listSamples and splitSamples', () => {
  it('keeps a seeded draw of each class and maps the ok-vs-defect task', async () => {
    const labelled = await listSamples(tileConfig());
    expect(labelled.classNames).toEqual(['ok', 'defect']);
    expect(labelled.positiveClasses).toEqual(['defect']);
    const groups = new Map<string, number>();
    for (const s of labelled.samples) groups.set(s.group, (groups.get(s.group) ?? 0) + 1);
    expect(Object.fromEntries(groups)).toEqual({
      blowhole: 6,
      break: 6,
      crack: 6,
      fray: 6,
      ok: 6,
      uneven: 6,
    });
    expect(labelled.samples.every((s) => (s.group === 'ok' ? s.label === 0 : s.label === 1))).toBe(true);
    const again = await listSamples(tileConfig());
    expect(again.samples.map((s) => s.path)).toEqual(labelled.samples.map((s) => s.path));
    const otherSeed = await listSamples(tileConfig({ seed: 8 }));
    expect(otherSeed.samples.map((s) => s.path)).not.toEqual(labelled.samples.map((s) => s.path));
  });

  it('stratifies by the original class: every defect type reaches every split', async () => {
    const config = tileConfig({
      data: { source: { kind: 'folder', path: MAGNETIC_TILE }, limitPerClass: 10 },
    });
    const split = splitSamples((await listSamples(config)).samples, config);
    for (const part of [split.train, split.validation, split.test]) {
      expect(new Set(part.map((s) => s.group))).toEqual(
        new Set(['ok', 'blowhole', 'break', 'crack', 'fray', 'uneven']),
      );
    }
    expect(split.train.length + split.validation.length + split.test.length).toBe(60);
  });

  it('labels a multiclass set without an ok class with no positive classes', async () => {
    const config = resolveTrainingConfig({
      data: { source: { kind: 'folder', path: NEU_CLS }, task: 'multiclass', limitPerClass: 2 },
      model: { arch: 'resnet', depth: 10, width: 8, inputSize: 32 },
    });
    const labelled = await listSamples(config);
    expect(labelled.classNames).toHaveLength(6);
    expect(labelled.positiveClasses).toEqual([]);
    expect(labelled.samples).toHaveLength(12);
  });
});

describe('the image cache', () => {
  it('decodes each image once and feeds evaluation bit-identical to preprocess()', async () => {
    const config = tileConfig({ preprocess: { resize: 'letterbox' } });
    const spec: PreprocessSpec = preprocessSpecFor(config);
    const { samples } = await listSamples(config);
    const reads = new Map<string, number>();
    const cache = await loadImageCache(samples, spec, {
      readImage: async (key) => {
        reads.set(key, (reads.get(key) ?? 0) + 1);
        return readFile(key);
      },
    });
    expect(reads.size).toBe(samples.length);
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
    expect(cache.pixels.every((p) => p.length === 32 * 32 * 3)).toBe(true);

    const indices = [0, 7, 20, 35];
    const batch = normalizedBatch(cache, indices, spec.normalization);
    const data = batch.dataSync();
    for (const [position, index] of indices.entries()) {
      const expected = await preprocess(await readFile(samples[index].path), spec);
      const actual = data.subarray(position * expected.length, (position + 1) * expected.length);
      expect(
        Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(Buffer.from(expected.buffer)),
      ).toBe(true);
    }
    batch.dispose();
  });

  it('normalises augmented pixels the same way, up to float rounding', async () => {
    const config = tileConfig();
    const { samples } = await listSamples(config);
    const cache = await loadImageCache(samples.slice(0, 3), preprocessSpecFor(config));
    const exact = normalizedBatch(cache, [0, 1, 2], 'resnet');
    const pixels = pixelBatch(cache, [0, 1, 2]);
    const viaTensor = normalizeTensor(pixels, 'resnet');
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(exact, viaTensor))).dataSync()[0]);
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([exact, pixels, viaTensor]);
  });

  it('fingerprints exactly like datasetFingerprint, from the bytes it already read', async () => {
    const config = tileConfig();
    const prepared = await prepareDataset(config, preprocessSpecFor(config));
    const reference = await datasetFingerprint(prepared.samples, MAGNETIC_TILE);
    expect(prepared.fingerprint).toEqual(reference);
    expect(prepared.stats.totals.total).toBe(36);
    expect(prepared.split.train.length + prepared.split.validation.length + prepared.split.test.length).toBe(
      36,
    );
  });

  it('keeps fingerprintFromCache independent of sample order', () => {
    const cache = { height: 1, width: 1, pixels: [], contentSha256: ['aa', 'bb'], totalBytes: 2 };
    const samples = [
      { path: 'x', fingerprintPath: 'x', label: 0, className: 'ok', group: 'ok' },
      { path: 'y', fingerprintPath: 'y', label: 1, className: 'defect', group: 'crack' },
    ];
    const reversed = { ...cache, contentSha256: ['bb', 'aa'] };
    expect(fingerprintFromCache(samples, cache).sha256).toBe(
      fingerprintFromCache([...samples].reverse(), reversed).sha256,
    );
  });
});

describe('batches and imbalance', () => {
  const labels = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1];

  it('shuffles per epoch, reproducibly', () => {
    expect(epochOrder(labels, 3, { seed: 1, balanced: false })).toEqual(
      epochOrder(labels, 3, { seed: 1, balanced: false }),
    );
    expect(epochOrder(labels, 3, { seed: 1, balanced: false })).not.toEqual(
      epochOrder(labels, 4, { seed: 1, balanced: false }),
    );
    expect([...epochOrder(labels, 0, { seed: 1, balanced: false })].sort()).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
  });

  it('balanced sampling draws each class equally often', () => {
    const order = epochOrder(labels, 0, { seed: 1, balanced: true });
    expect(order).toHaveLength(10);
    expect(order.filter((i) => labels[i] === 1)).toHaveLength(5);
  });

  it('weighted loss: a uniform prediction still costs ln(C), and rare-class errors weigh more', () => {
    const weights = classWeights(labels, 2);
    expect(weights[1] / weights[0]).toBeCloseTo(4, 10);
    const w = tf.tensor1d(weights);
    const uniform = tf.tidy(
      () =>
        softmaxCrossEntropy(tf.zeros([10, 2]), tf.tensor1d(labels, 'int32'), {
          classWeights: w,
        }).dataSync()[0],
    );
    expect(uniform).toBeCloseTo(Math.log(2), 6);
    // Wrong on one sample of each class by the same margin: ln(1 + e^2) each; weighted mean by hand.
    const wrong = Math.log(1 + Math.exp(2));
    const right = Math.log(1 + Math.exp(-2));
    const loss = tf.tidy(
      () =>
        softmaxCrossEntropy(
          tf.tensor2d([
            [-1, 1],
            [1, -1],
            [1, -1],
          ]),
          tf.tensor1d([0, 1, 0], 'int32'),
          { classWeights: w },
        ).dataSync()[0],
    );
    const [w0, w1] = weights;
    expect(loss).toBeCloseTo((w0 * wrong + w1 * wrong + w0 * right) / (2 * w0 + w1), 5);
    w.dispose();
  });

  it('label smoothing spreads e over the classes', () => {
    // Logits [0, 0]: every target mix costs ln 2.
    const flat = tf.tidy(
      () =>
        softmaxCrossEntropy(tf.zeros([1, 2]), tf.tensor1d([1], 'int32'), {
          labelSmoothing: 0.2,
        }).dataSync()[0],
    );
    expect(flat).toBeCloseTo(Math.log(2), 6);
    // Logits [2, 0], label 0, e = 0.2: targets [0.9, 0.1]; -0.9 ln p0 - 0.1 ln p1.
    const p0 = Math.exp(2) / (Math.exp(2) + 1);
    const smoothed = tf.tidy(
      () =>
        softmaxCrossEntropy(tf.tensor2d([[2, 0]]), tf.tensor1d([0], 'int32'), {
          labelSmoothing: 0.2,
        }).dataSync()[0],
    );
    expect(smoothed).toBeCloseTo(-0.9 * Math.log(p0) - 0.1 * Math.log(1 - p0), 5);
  });

  it('drops a last batch of one image only', () => {
    expect(chunkBatches([1, 2, 3, 4, 5], 2)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(chunkBatches([1, 2, 3, 4, 5, 6], 4)).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
    expect(chunkBatches([1], 4)).toEqual([[1]]);
  });

  it('augments training batches only, on raw pixels, and keeps them for a teacher when asked', async () => {
    const config = tileConfig();
    const prepared = await prepareDataset(config, preprocessSpecFor(config));
    const source = {
      cache: prepared.cache,
      labels: prepared.samples.map((s) => s.label),
      normalization: 'resnet' as const,
    };
    const flipAll = (images: tf.Tensor4D) => tf.reverse<tf.Tensor4D>(images, 2);
    const plain = makeBatch(source, [0, 1]);
    const augmented = makeBatch(source, [0, 1], { augmenter: flipAll, keepPixels: true });
    expect(plain.pixels).toBeUndefined();
    expect(augmented.pixels?.shape).toEqual([2, 32, 32, 3]);
    const flippedBack = tf.tidy(
      () => tf.max(tf.abs(tf.sub(tf.reverse(augmented.inputs, 2), plain.inputs))).dataSync()[0],
    );
    expect(flippedBack).toBeLessThan(1e-5);
    expect(Array.from(plain.labels.dataSync())).toEqual([source.labels[0], source.labels[1]]);
    tf.dispose([plain.inputs, plain.labels, augmented.inputs, augmented.labels, augmented.pixels]);
  });
});
