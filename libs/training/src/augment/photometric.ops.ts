import * as tf from '@tensorflow/tfjs-core';

/** Deterministic photometric operations on NHWC float batches, one parameter per image; inputs untouched. */

function perImage(values: readonly number[], images: tf.Tensor4D, what: string): tf.Tensor4D {
  if (values.length !== images.shape[0]) {
    throw new RangeError(`${what}: ${values.length} parameters for a batch of ${images.shape[0]}`);
  }
  return tf.tensor4d([...values], [values.length, 1, 1, 1]);
}

/** Adds deltas[i] to every pixel of image i. */
export function adjustBrightness(images: tf.Tensor4D, deltas: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => tf.add(images, perImage(deltas, images, 'adjustBrightness')));
}

/** Scales each image's distance from its own mean (over pixels and channels) by factors[i]. */
export function adjustContrast(images: tf.Tensor4D, factors: readonly number[]): tf.Tensor4D {
  return tf.tidy(() => {
    const mean = tf.mean(images, [1, 2, 3], true);
    return tf.add(tf.mul(tf.sub(images, mean), perImage(factors, images, 'adjustContrast')), mean);
  });
}

/** Adds noise[k] x stds[i] to each pixel k of image i; `noise` holds one standard-normal value per element. */
export function addGaussianNoise(
  images: tf.Tensor4D,
  stds: readonly number[],
  noise: Float32Array,
): tf.Tensor4D {
  if (noise.length !== images.size)
    throw new RangeError(`noise has ${noise.length} values for ${images.size} pixels`);
  return tf.tidy(() =>
    tf.add(images, tf.mul(tf.tensor4d(noise, images.shape), perImage(stds, images, 'addGaussianNoise'))),
  );
}

export function clipPixels(images: tf.Tensor4D, pixelMax: number): tf.Tensor4D {
  return tf.clipByValue(images, 0, pixelMax);
}
