import * as tf from '@tensorflow/tfjs-core';

import { composedKernel, requireInput } from './composed-kernel.util';
import {
  assertChannelsLast,
  convGeometry,
  fitSpatially,
  isPatchwise,
  isPointwise,
  spreadForInputGradient,
  zeroInterleave,
  type ConvGeometry,
} from './conv-geometry.util';
import { phaseDecomposedInputGradient } from './phase-input-gradient.util';

/**
 * dx = the convolution of dy with the spatially reversed filter, input and output channels swapped, as XNNPACK
 * convolutions (wasm has its own Conv2DBackpropInput, but it is a plain loop 5-10x slower). Stride 1: one
 * convolution. Strided: one per stride phase (phase-input-gradient.util.ts), never dy spread with zeros. 1x1
 * filters and patch embeddings (filter = stride, a ViT's first layer) are one matMul. tfjs asks for this gradient
 * even for the model's input, because the fused convolution's gradient computes every input's at once.
 */
export function conv2dBackpropInput(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  geometry: ConvGeometry,
): tf.Tensor4D {
  if (isPointwise(geometry)) return pointwiseInputGradient(dy, filter, geometry);
  if (isPatchwise(geometry)) return patchInputGradient(dy, filter, geometry);
  return spatialInputGradient(dy, filter, geometry);
}

/** dx of each patch = dy at that patch times the filter, transposed: `[N*Ho*Wo, Cout] x [Cout, fh*fw*Cin]`. */
function patchInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, geometry: ConvGeometry): tf.Tensor4D {
  const [batch, outHeight, outWidth, outChannels] = dy.shape;
  const [filterHeight, filterWidth, inChannels] = filter.shape;
  const filterTransposed = tf.transpose(
    tf.reshape(filter, [filterHeight * filterWidth * inChannels, outChannels]),
  );
  const patches = tf.matMul(tf.reshape(dy, [batch * outHeight * outWidth, outChannels]), filterTransposed);
  const grid = tf.transpose(
    tf.reshape(patches, [batch, outHeight, outWidth, filterHeight, filterWidth * inChannels]),
    [0, 1, 3, 2, 4],
  );
  const image = tf.reshape<tf.Rank.R4>(grid, [
    batch,
    outHeight * filterHeight,
    outWidth * filterWidth,
    inChannels,
  ]);
  return fitSpatially(image, geometry.inHeight, geometry.inWidth);
}

function pointwiseInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, geometry: ConvGeometry): tf.Tensor4D {
  const [batch, outHeight, outWidth, outChannels] = dy.shape;
  const inChannels = filter.shape[2];
  // Explicit transpose of the small filter: wasm's matMul is slow with transpose flags.
  const filterTransposed = tf.transpose(tf.reshape(filter, [inChannels, outChannels]));
  const sampledGradient = tf.reshape<tf.Rank.R4>(
    tf.matMul(tf.reshape(dy, [batch * outHeight * outWidth, outChannels]), filterTransposed),
    [batch, outHeight, outWidth, inChannels],
  );
  return zeroInterleave(
    sampledGradient,
    geometry.strideHeight,
    geometry.strideWidth,
    geometry.inHeight,
    geometry.inWidth,
  );
}

function spatialInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, geometry: ConvGeometry): tf.Tensor4D {
  if (geometry.strideHeight > 1 || geometry.strideWidth > 1) {
    return phaseDecomposedInputGradient(
      dy,
      filter,
      geometry,
      (source, reversed, padding) => tf.conv2d(source, tf.transpose(reversed, [0, 1, 3, 2]), 1, padding),
      filter.shape[2],
    );
  }
  const { spread, padding } = spreadForInputGradient(dy, geometry);
  const flippedFilter = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
  return tf.conv2d(spread, flippedFilter, 1, padding);
}

export const conv2dBackpropInputKernel = composedKernel<tf.Conv2DBackpropInputAttrs>(
  tf.Conv2DBackpropInput,
  (inputs, attrs) => {
    assertChannelsLast(tf.Conv2DBackpropInput, attrs.dataFormat);
    const dy = requireInput(inputs, 'dy', tf.Conv2DBackpropInput) as tf.Tensor4D;
    const filter = requireInput(inputs, 'filter', tf.Conv2DBackpropInput) as tf.Tensor4D;
    const geometry = convGeometry(
      attrs.inputShape,
      filter.shape,
      attrs.strides,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
    );
    return conv2dBackpropInput(dy, filter, geometry);
  },
);
