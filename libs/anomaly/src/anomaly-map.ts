import * as tf from '@tensorflow/tfjs-core';

/** The papers' smoothing of the upsampled patch scores (PatchCore and PaDiM both use σ = 4 pixels). */
export const ANOMALY_MAP_SIGMA = 4;

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const weights = Float32Array.from({ length: 2 * radius + 1 }, (_, index) =>
    Math.exp(-((index - radius) ** 2) / (2 * sigma * sigma)),
  );
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return weights.map((weight) => weight / total);
}

/**
 * Per-patch scores [count, height, width] brought to the image's [outputHeight, outputWidth] by bilinear upsampling
 * and smoothed by a separable Gaussian: the anomaly map, in score units, [count, outputHeight, outputWidth].
 */
export function anomalyMaps(
  patchScores: tf.Tensor3D,
  [outputHeight, outputWidth]: [number, number],
  sigma = ANOMALY_MAP_SIGMA,
): tf.Tensor3D {
  return tf.tidy(() => {
    const upsampled = tf.image.resizeBilinear(tf.expandDims<tf.Tensor4D>(patchScores, 3), [
      outputHeight,
      outputWidth,
    ]);
    if (sigma <= 0) return tf.squeeze<tf.Tensor3D>(upsampled, [3]);
    const kernel = gaussianKernel(sigma);
    const horizontal = tf.tensor4d(kernel, [1, kernel.length, 1, 1]);
    const vertical = tf.tensor4d(kernel, [kernel.length, 1, 1, 1]);
    // Edge padding, so the borders are not pulled towards zero.
    const radius = (kernel.length - 1) / 2;
    const padded = tf.mirrorPad(
      upsampled,
      [
        [0, 0],
        [radius, radius],
        [radius, radius],
        [0, 0],
      ],
      'symmetric',
    );
    const smoothed = tf.conv2d(tf.conv2d(padded, horizontal, 1, 'valid'), vertical, 1, 'valid');
    return tf.squeeze<tf.Tensor3D>(smoothed, [3]);
  });
}
