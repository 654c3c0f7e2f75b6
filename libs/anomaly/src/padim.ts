import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@linescope/training/random';
import { type PatchGrid } from './patch-features';
import { invertSymmetricPositiveDefinite } from './spd-inverse';

export interface PadimOptions {
  /** Channels kept, drawn at random once (the paper's random dimensionality reduction: 100 for ResNet-18). */
  dimensions: number;
  /** Added to every covariance's diagonal so it stays invertible with few images (the paper uses 0.01). */
  regularisation: number;
  seed: number;
}

export const PADIM_DEFAULTS: PadimOptions = { dimensions: 100, regularisation: 0.01, seed: 1 };

/**
 * PaDiM (Defard et al. 2021): at every grid position, a multivariate Gaussian of the good parts' patch features;
 * a patch's anomaly score is its Mahalanobis distance to its position's Gaussian. Position-specific, so it suits
 * aligned parts (a tile always photographed the same way); the image score is the largest patch score.
 */
export interface PadimModel {
  kind: 'padim';
  grid: Omit<PatchGrid, 'count'>;
  /** Indices of the kept channels, ascending. */
  channels: Int32Array;
  /** [positions, dimensions] means. */
  mean: Float32Array;
  /** [positions, dimensions, dimensions] inverse covariances. */
  precision: Float32Array;
}

export function chooseChannels(depth: number, dimensions: number, seed: number): Int32Array {
  const kept = Math.min(depth, dimensions);
  const order = createRng(seed).shuffle(Array.from({ length: depth }, (_, index) => index));
  return Int32Array.from(order.slice(0, kept).sort((a, b) => a - b));
}

/** Fits the per-position Gaussians from good images' patch features, [count, height, width, depth]. */
export function fitPadim(features: tf.Tensor4D, options: Partial<PadimOptions> = {}): PadimModel {
  const { dimensions, regularisation, seed } = { ...PADIM_DEFAULTS, ...options };
  const [count, height, width, depth] = features.shape;
  if (count < 2) throw new RangeError('PaDiM needs at least two good images');
  const channels = chooseChannels(depth, dimensions, seed);
  const kept = channels.length;
  const positions = height * width;
  const [mean, covariance] = tf.tidy((): [tf.Tensor, tf.Tensor] => {
    // [positions, count, kept]
    const perPosition = tf.transpose(
      tf.reshape(tf.gather(features, tf.tensor1d(channels, 'int32'), 3), [count, positions, kept]),
      [1, 0, 2],
    );
    const centre = tf.mean(perPosition, 1, true);
    const centred = tf.sub(perPosition, centre);
    const scatter = tf.matMul(centred, centred, true, false);
    return [tf.reshape(centre, [positions, kept]), tf.div(scatter, count - 1)];
  });
  const covarianceValues = covariance.dataSync();
  const meanValues = mean.dataSync() as Float32Array;
  covariance.dispose();
  const precision = new Float32Array(positions * kept * kept);
  const block = new Float64Array(kept * kept);
  for (let position = 0; position < positions; position++) {
    const offset = position * kept * kept;
    for (let index = 0; index < kept * kept; index++) block[index] = covarianceValues[offset + index];
    for (let index = 0; index < kept; index++) block[index * kept + index] += regularisation;
    precision.set(invertSymmetricPositiveDefinite(block, kept), offset);
  }
  const model: PadimModel = {
    kind: 'padim',
    grid: { height, width, depth },
    channels,
    mean: Float32Array.from(meanValues),
    precision,
  };
  mean.dispose();
  return model;
}

/** Mahalanobis distance of every patch to its position's Gaussian: [count, height, width]. */
export function scorePadim(model: PadimModel, features: tf.Tensor4D): tf.Tensor3D {
  const [count, height, width, depth] = features.shape;
  const { grid } = model;
  if (height !== grid.height || width !== grid.width || depth !== grid.depth) {
    throw new RangeError(
      `features are ${height}x${width}x${depth}, the model was fitted on ${grid.height}x${grid.width}x${grid.depth}`,
    );
  }
  const kept = model.channels.length;
  const positions = height * width;
  return tf.tidy(() => {
    const perPosition = tf.transpose(
      tf.reshape(tf.gather(features, tf.tensor1d(model.channels, 'int32'), 3), [count, positions, kept]),
      [1, 0, 2],
    );
    const centred = tf.sub(perPosition, tf.tensor3d(model.mean, [positions, 1, kept]));
    const precision = tf.tensor3d(model.precision, [positions, kept, kept]);
    const squared = tf.sum(tf.mul(tf.matMul(centred, precision), centred), 2);
    return tf.reshape(tf.transpose(tf.sqrt(tf.relu(squared))), [count, height, width]);
  });
}
