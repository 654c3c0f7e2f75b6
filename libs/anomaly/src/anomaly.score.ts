import * as tf from '@tensorflow/tfjs-core';
import { type AnomalyModel } from './anomaly-model.codec';
import { scorePadim } from './padim';
import { scorePatchCore } from './patchcore';

export interface AnomalyScores {
  /** Per-patch scores, [count, height, width]; the caller disposes them. */
  patches: tf.Tensor3D;
  /** One score per image: the worst patch's (PaDiM), reweighed (PatchCore). */
  images: Float32Array;
}

/** Scores patch features with either method; both answer in distance units, larger meaning less like the good parts. */
export function scoreAnomalies(model: AnomalyModel, features: tf.Tensor4D): AnomalyScores {
  if (model.kind === 'patchcore') return scorePatchCore(model, features);
  const patches = scorePadim(model, features);
  const images = tf.tidy(
    () => tf.max(tf.reshape(patches, [patches.shape[0], -1]), 1).dataSync() as Float32Array,
  );
  return { patches, images: Float32Array.from(images) };
}
