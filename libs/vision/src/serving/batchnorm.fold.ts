import * as tf from '@tensorflow/tfjs-core';

/** Inference-mode batch-norm parameters; a missing gamma / beta means scale 1 / offset 0. */
export interface BatchNormParams {
  gamma: tf.Tensor1D | null;
  beta: tf.Tensor1D | null;
  movingMean: tf.Tensor1D;
  movingVariance: tf.Tensor1D;
  epsilon: number;
}

/**
 * conv2d: [kh, kw, in, out]; depthwise: [kh, kw, in, multiplier] whose output channel is in * multiplier + m;
 * dense: [in, out].
 */
export type KernelLayout = 'conv2d' | 'depthwise' | 'dense';

export interface FoldedWeights {
  kernel: tf.Tensor;
  bias: tf.Tensor1D;
}

/**
 * Folds y = gamma * (conv(x) + b - mean) / sqrt(var + eps) + beta into a single layer:
 * kernel' = kernel * s and bias' = (b - mean) * s + beta, with s = gamma / sqrt(var + eps) per output channel.
 * Returns new tensors; the inputs are left untouched.
 */
export function foldBatchNorm(
  kernel: tf.Tensor,
  bias: tf.Tensor1D | null,
  batchNorm: BatchNormParams,
  layout: KernelLayout,
): FoldedWeights {
  return tf.tidy(() => {
    const { gamma, beta, movingMean, movingVariance, epsilon } = batchNorm;
    const inverseStd = tf.rsqrt(tf.add(movingVariance, epsilon));
    const scale = gamma === null ? inverseStd : tf.mul(gamma, inverseStd);
    const [, , inChannels, multiplier] = kernel.shape as number[];
    const channelScale = layout === 'depthwise' ? tf.reshape(scale, [inChannels, multiplier]) : scale;
    const centredBias = bias === null ? tf.neg(movingMean) : tf.sub(bias, movingMean);
    const scaledBias = tf.mul(centredBias, scale);
    return {
      kernel: tf.mul(kernel, channelScale),
      bias: (beta === null ? scaledBias : tf.add(scaledBias, beta)) as tf.Tensor1D,
    };
  });
}

/** Output channels of a kernel in the given layout. */
export function outputChannels(kernelShape: readonly number[], layout: KernelLayout): number {
  switch (layout) {
    case 'conv2d':
      return kernelShape[3];
    case 'depthwise':
      return kernelShape[2] * kernelShape[3];
    case 'dense':
      return kernelShape[1];
  }
}
