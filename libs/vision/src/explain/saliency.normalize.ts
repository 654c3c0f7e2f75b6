import * as tf from '@tensorflow/tfjs-core';

/**
 * Min-max normalises each map of a [batch, h, w] tensor to [0, 1]; a constant map becomes all zeros (no
 * spatial evidence), rather than being divided by zero.
 */
export function normalizeMaps(maps: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const min = tf.min(maps, [1, 2], true);
    const range = tf.sub(tf.max(maps, [1, 2], true), min);
    const safeRange = tf.where(tf.greater(range, 0), range, tf.onesLike(range));
    return tf.div(tf.sub(maps, min), safeRange);
  });
}

/** Copies a [batch, h, w] tensor out as one Float32Array per image. */
export function readMaps(maps: tf.Tensor3D): Float32Array[] {
  const [batch, height, width] = maps.shape;
  const data = maps.dataSync();
  const size = height * width;
  return Array.from({ length: batch }, (_, index) =>
    Float32Array.from(data.subarray(index * size, (index + 1) * size)),
  );
}
