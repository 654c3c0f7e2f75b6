import * as tf from '@tensorflow/tfjs-core';

import { composedKernel, requireInput } from './composed-kernel.util';
import {
  assertChannelsLast,
  convGeometry,
  isPointwise,
  subsample,
  type ConvGeometry,
} from './conv-geometry.util';

/**
 * dW[i, j, ci, co] = sum over n, y, x of xPadded[n, y*s + i, x*s + j, ci] * dy[n, y, x, co].
 *
 * 1x1: one matMul over all pixels. wasm's matMul is fast only without transpose flags, so the smaller of x
 * and dy is transposed explicitly (`[Cin, M] x [M, Cout]`, or `[Cout, M] x [M, Cin]` then a tiny transpose).
 *
 * Otherwise: a stride-1 convolution of x with batch and channels swapped (`[Cin, H, W, N]`) by dy used as the
 * filter (`[Ho, Wo, N, Cout]`), dilated by the stride. Its `[Cin, fh, fw, Cout]` output is the filter gradient
 * up to a transpose.
 */
export function conv2dBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, geometry: ConvGeometry): tf.Tensor4D {
  return isPointwise(geometry)
    ? pointwiseFilterGradient(x, dy, geometry)
    : spatialFilterGradient(x, dy, geometry);
}

function pointwiseFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, geometry: ConvGeometry): tf.Tensor4D {
  const inChannels = x.shape[3];
  const outChannels = dy.shape[3];
  const sampled = subsample(x, geometry.strideHeight, geometry.strideWidth);
  const pixels = dy.size / outChannels;
  const xMatrix = tf.reshape(sampled, [pixels, inChannels]);
  const dyMatrix = tf.reshape(dy, [pixels, outChannels]);
  const gradient =
    inChannels <= outChannels
      ? tf.matMul(tf.transpose(xMatrix), dyMatrix)
      : tf.transpose(tf.matMul(tf.transpose(dyMatrix), xMatrix));
  return tf.reshape(gradient, [1, 1, inChannels, outChannels]);
}

function spatialFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D, geometry: ConvGeometry): tf.Tensor4D {
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth } = geometry;
  const { strideHeight, strideWidth, padTop, padLeft } = geometry;
  const inChannels = x.shape[3];
  const outChannels = dy.shape[3];
  const channelsAsBatch = tf.transpose(x, [3, 1, 2, 0]);
  const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
  // Pad the bottom/right only as far as the last output reads; any extra rows come out as extra outputs,
  // which the slice below drops.
  const padBottom = Math.max(0, (outHeight - 1) * strideHeight + filterHeight - padTop - inHeight);
  const padRight = Math.max(0, (outWidth - 1) * strideWidth + filterWidth - padLeft - inWidth);
  const correlation = tf.conv2d(
    channelsAsBatch,
    dyAsFilter,
    1,
    [
      [0, 0],
      [padTop, padBottom],
      [padLeft, padRight],
      [0, 0],
    ],
    'NHWC',
    [strideHeight, strideWidth],
  );
  const [, rows, columns] = correlation.shape;
  const exact =
    rows === filterHeight && columns === filterWidth
      ? correlation
      : tf.slice(correlation, [0, 0, 0, 0], [inChannels, filterHeight, filterWidth, outChannels]);
  return tf.transpose(exact, [1, 2, 0, 3]);
}

export const conv2dBackpropFilterKernel = composedKernel<tf.Conv2DBackpropFilterAttrs>(
  tf.Conv2DBackpropFilter,
  (inputs, attrs) => {
    assertChannelsLast(tf.Conv2DBackpropFilter, attrs.dataFormat);
    const x = requireInput(inputs, 'x', tf.Conv2DBackpropFilter) as tf.Tensor4D;
    const dy = requireInput(inputs, 'dy', tf.Conv2DBackpropFilter) as tf.Tensor4D;
    const geometry = convGeometry(
      x.shape,
      attrs.filterShape,
      attrs.strides,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
    );
    return conv2dBackpropFilter(x, dy, geometry);
  },
);
