import * as tf from '@tensorflow/tfjs-core';
import { type Rng } from '../random/rng';
import { type AugmentOptions } from './augment.options';

/**
 * MixUp (Zhang et al. 2018) and CutMix (Yun et al. 2019), as DeiT trains its students: a batch is paired with a
 * shuffled copy of itself and either blended (mixup, lambda x_i + (1 - lambda) x_j) or given a box cut from its
 * partner (cutmix, lambda = the share of the image left unpasted), lambda ~ Beta(alpha, alpha), one per batch.
 * The loss then targets lambda y_i + (1 - lambda) y_j. For a distilled student the teacher labels the mixed
 * image itself, which is where its hard labels carry more than the mixed ones.
 */
export interface MixPlan {
  kind: 'mixup' | 'cutmix';
  /** Partner of each image: a seeded permutation of the batch. */
  partner: number[];
  /** Weight of each image's own label, in [0, 1]. */
  lambda: number;
  /** cutmix: the pasted box in pixels, [top, left, bottom, right), bottom/right exclusive. */
  box?: [number, number, number, number];
}

/** What mixing did to a batch's labels: `labels` are the dominant ones (weight >= 0.5), `others` the rest. */
export interface MixedLabels {
  labels: number[];
  others: number[];
  /** Weight of `labels`, in [0.5, 1]. */
  weight: number;
}

export type MixingOptions = Pick<AugmentOptions, 'mixup' | 'cutmix'>;

/** Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shape < 1. */
export function sampleGamma(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
  if (shape < 1) return sampleGamma(rng, shape + 1) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Beta(alpha, beta) as X / (X + Y) of two gammas. */
export function sampleBeta(rng: Rng, alpha: number, beta: number): number {
  const x = sampleGamma(rng, alpha);
  const y = sampleGamma(rng, beta);
  return x / (x + y);
}

/**
 * CutMix's box for a given lambda: area (1 - lambda) of the image, the image's aspect ratio, centred uniformly and
 * clipped to the image; the returned lambda is recomputed from the clipped box, so it is exact.
 */
export function cutmixBox(
  rng: Rng,
  lambda: number,
  height: number,
  width: number,
): { box: [number, number, number, number]; lambda: number } {
  const side = Math.sqrt(1 - lambda);
  const boxHeight = Math.round(height * side);
  const boxWidth = Math.round(width * side);
  const centreY = rng.int(height);
  const centreX = rng.int(width);
  const top = clamp(centreY - Math.floor(boxHeight / 2), 0, height);
  const left = clamp(centreX - Math.floor(boxWidth / 2), 0, width);
  const bottom = clamp(centreY + Math.ceil(boxHeight / 2), 0, height);
  const right = clamp(centreX + Math.ceil(boxWidth / 2), 0, width);
  const pasted = ((bottom - top) * (right - left)) / (height * width);
  return { box: [top, left, bottom, right], lambda: 1 - pasted };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** Draws the mixing of one batch, or null when this batch is left as it is. */
export function drawMixPlan(
  options: MixingOptions,
  rng: Rng,
  batch: number,
  height: number,
  width: number,
): MixPlan | null {
  const { mixup, cutmix } = options;
  if (batch < 2 || (!mixup && !cutmix)) return null;
  const kind = mixup && cutmix ? (rng.chance(0.5) ? 'cutmix' : 'mixup') : mixup ? 'mixup' : 'cutmix';
  const settings = (kind === 'mixup' ? mixup : cutmix) as { p: number; alpha: number };
  if (!rng.chance(settings.p)) return null;
  const partner = rng.shuffle(Array.from({ length: batch }, (_, i) => i));
  const lambda = sampleBeta(rng, settings.alpha, settings.alpha);
  if (kind === 'mixup') return { kind, partner, lambda };
  return { kind, partner, ...cutmixBox(rng, lambda, height, width) };
}

/** The mixed images; a new tensor, the input is neither changed nor disposed. */
export function mixImages(images: tf.Tensor4D, plan: MixPlan): tf.Tensor4D {
  return tf.tidy(() => {
    const partners = tf.gather(images, tf.tensor1d(plan.partner, 'int32'));
    if (plan.kind === 'mixup') return tf.add(tf.mul(images, plan.lambda), tf.mul(partners, 1 - plan.lambda));
    const [, height, width] = images.shape;
    const [top, left, bottom, right] = plan.box as [number, number, number, number];
    const mask = new Float32Array(height * width);
    for (let y = top; y < bottom; y++) mask.fill(1, y * width + left, y * width + right);
    const inBox = tf.tensor4d(mask, [1, height, width, 1]);
    return tf.add(tf.mul(images, tf.sub(1, inBox)), tf.mul(partners, inBox));
  });
}

/** The labels of a mixed batch, the dominant label of each image first. */
export function mixLabels(labels: readonly number[], plan: MixPlan): MixedLabels {
  const partnerLabels = plan.partner.map((j) => labels[j]);
  return plan.lambda >= 0.5
    ? { labels: [...labels], others: partnerLabels, weight: plan.lambda }
    : { labels: partnerLabels, others: [...labels], weight: 1 - plan.lambda };
}

/** Mixes a batch (pixels and labels) or returns null to leave it as it is. The input is not disposed. */
export type BatchMixer = (
  images: tf.Tensor4D,
  labels: readonly number[],
) => { images: tf.Tensor4D; labels: MixedLabels } | null;

/** A mixer drawing every plan from `rng`, so a batch is reproducible from the seed. */
export function createBatchMixer(options: MixingOptions, rng: Rng): BatchMixer {
  return (images, labels) => {
    const [batch, height, width] = images.shape;
    const plan = drawMixPlan(options, rng, batch, height, width);
    return plan ? { images: mixImages(images, plan), labels: mixLabels(labels, plan) } : null;
  };
}
