import * as tf from '@tensorflow/tfjs-core';

import { type BackendName } from '../backend.manager';
import { withBackend } from '../backend.switch';

/** Deterministic values in [-1, 1) (mulberry32), so a failing comparison can be reproduced. */
export function randomValues(size: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return values;
}

export interface HostTensor {
  values: Float32Array;
  shape: number[];
}

export function randomTensor(shape: number[], seed: number): HostTensor {
  return {
    values: randomValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
    shape,
  };
}

/** Gradients of `loss` w.r.t. every input, computed on `backend`, read back to the host. */
export function gradientsOn(
  backend: BackendName,
  loss: (...inputs: tf.Tensor[]) => tf.Scalar,
  inputs: HostTensor[],
): Promise<Float32Array[]> {
  return withBackend(backend, () =>
    tf.tidy(() => {
      const tensors = inputs.map((input) => tf.tensor(input.values, input.shape));
      return tf
        .grads(loss)(tensors)
        .map((gradient) => gradient.dataSync() as Float32Array);
    }),
  );
}

/** Value of `compute` on `backend`, read back to the host. */
export function valueOn(
  backend: BackendName,
  compute: (...inputs: tf.Tensor[]) => tf.Tensor,
  inputs: HostTensor[],
): Promise<Float32Array> {
  return withBackend(backend, () =>
    tf.tidy(
      () =>
        compute(...inputs.map((input) => tf.tensor(input.values, input.shape))).dataSync() as Float32Array,
    ),
  );
}

/** max |actual - expected| / max |expected|: one number for "how far apart", scale-free. */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) {
    return Number.POSITIVE_INFINITY;
  }
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return worst / Math.max(scale, 1e-12);
}
