import * as tf from '@tensorflow/tfjs-core';
import { NORMALIZATIONS, normalizePixels, type NormalizationFamily } from '@linescope/vision/preprocess';
import { createBalancedSampler } from '../data/balanced.sampler';
import { type BatchMixer } from '../augment/batch.mixing';
import { type Augmenter } from '../augment/image.augmenter';
import { createRng, deriveSeed } from '../random/rng';
import { type ImageCache } from './training.dataset';
import { type TaskBatch } from './loss.task';

/**
 * Evaluation input: the cached uint8 pixels through the inference service's own `normalizePixels`, so a
 * validation or test image reaches the model bit-identical to what `preprocess` gives in production.
 */
export function normalizedBatch(
  cache: ImageCache,
  indices: readonly number[],
  family: NormalizationFamily,
): tf.Tensor4D {
  return tf.tensor4d(normalizedPixels(cache, indices, family), [
    indices.length,
    cache.height,
    cache.width,
    3,
  ]);
}

/** `normalizedBatch`'s values as NHWC float32, before they become a tensor. */
export function normalizedPixels(
  cache: ImageCache,
  indices: readonly number[],
  family: NormalizationFamily,
): Float32Array {
  const imageSize = cache.height * cache.width * 3;
  const data = new Float32Array(indices.length * imageSize);
  indices.forEach((index, position) => {
    normalizePixels(
      cache.pixels[index],
      family,
      data.subarray(position * imageSize, (position + 1) * imageSize),
    );
  });
  return data;
}

/** Raw pixels in [0, 255] as float32, for augmentation. */
export function pixelBatch(cache: ImageCache, indices: readonly number[]): tf.Tensor4D {
  const imageSize = cache.height * cache.width * 3;
  const data = new Float32Array(indices.length * imageSize);
  indices.forEach((index, position) => data.set(cache.pixels[index], position * imageSize));
  return tf.tensor4d(data, [indices.length, cache.height, cache.width, 3], 'float32');
}

/** The family's normalisation as tensor ops, for augmented (non-integer) pixels: (x / 255 - mean) / std. */
export function normalizeTensor(pixels: tf.Tensor4D, family: NormalizationFamily): tf.Tensor4D {
  const { mean, std } = NORMALIZATIONS[family];
  return tf.tidy(() => {
    const scale = tf.tensor1d(std.map((s) => 1 / (255 * s)));
    const offset = tf.tensor1d(mean.map((m, c) => -m / std[c]));
    return tf.add(tf.mul(pixels, scale), offset);
  });
}

/**
 * Training order of one epoch, reproducible from (seed, epoch) alone, so a resumed run continues the same
 * sequence: a seeded shuffle, or the balanced sampler's draw (each class equally often).
 */
export function epochOrder(
  trainLabels: readonly number[],
  epoch: number,
  options: { seed: number; balanced: boolean },
): number[] {
  if (options.balanced) return createBalancedSampler(trainLabels, { seed: options.seed }).epoch(epoch);
  const positions = trainLabels.map((_, i) => i);
  return createRng(deriveSeed(options.seed, 'shuffle', epoch)).shuffle(positions);
}

/**
 * Consecutive batches of `size`. A last batch of one image is dropped: batch normalisation cannot compute
 * statistics from a single image.
 */
export function chunkBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) batches.push(items.slice(start, start + size));
  if (batches.length > 1 && batches[batches.length - 1].length === 1) batches.pop();
  return batches;
}

export function stepsPerEpoch(trainCount: number, batchSize: number): number {
  return Math.max(
    1,
    chunkBatches(
      Array.from({ length: trainCount }, (_, i) => i),
      batchSize,
    ).length,
  );
}

export interface BatchSource {
  cache: ImageCache;
  /** Label of every cached sample. */
  labels: readonly number[];
  normalization: NormalizationFamily;
}

/** A training batch: augmented pixels (train only), normalised inputs, labels. The caller disposes it. */
export function makeBatch(
  source: BatchSource,
  indices: readonly number[],
  options: { augmenter?: Augmenter | null; mixer?: BatchMixer | null; keepPixels?: boolean } = {},
): TaskBatch {
  const labelValues = indices.map((i) => source.labels[i]);
  if (!options.augmenter && !options.mixer) {
    const labels = tf.tensor1d(labelValues, 'int32');
    const inputs = normalizedBatch(source.cache, indices, source.normalization);
    return options.keepPixels
      ? { inputs, labels, pixels: pixelBatch(source.cache, indices) }
      : { inputs, labels };
  }
  const raw = pixelBatch(source.cache, indices);
  let pixels = options.augmenter ? options.augmenter(raw) : raw;
  if (pixels !== raw) raw.dispose();
  const mixed = options.mixer ? options.mixer(pixels, labelValues) : null;
  if (mixed) {
    pixels.dispose();
    pixels = mixed.images;
  }
  const labels = tf.tensor1d(mixed ? mixed.labels.labels : labelValues, 'int32');
  const mix = mixed
    ? { labels: tf.tensor1d(mixed.labels.others, 'int32'), weight: mixed.labels.weight }
    : undefined;
  const inputs = normalizeTensor(pixels, source.normalization);
  const batch: TaskBatch = { inputs, labels, ...(mix ? { mix } : {}) };
  if (options.keepPixels) return { ...batch, pixels };
  pixels.dispose();
  return batch;
}

export function disposeBatch(batch: TaskBatch): void {
  tf.dispose([
    batch.inputs,
    batch.labels,
    ...(batch.pixels ? [batch.pixels] : []),
    ...(batch.teacherLogits ? [batch.teacherLogits] : []),
    ...(batch.mix ? [batch.mix.labels] : []),
  ]);
}
