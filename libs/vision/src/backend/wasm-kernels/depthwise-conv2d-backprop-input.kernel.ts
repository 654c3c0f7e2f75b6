import * as tf from '@tensorflow/tfjs-core';

import { composedKernel, requireInput } from './composed-kernel.util';
import {
  assertNoDilation,
  convGeometry,
  spreadForInputGradient,
  type ConvGeometry,
} from './conv-geometry.util';

/**
 * dx = the stride-1 depthwise convolution of dy spread onto the stride grid (zeros between) with the
 * spatially reversed filter. With a channel multiplier M > 1 every one of the C*M dy channels is convolved
 * with its own filter and the M results of each input channel are summed.
 */
export function depthwiseConv2dBackpropInput(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  geometry: ConvGeometry,
): tf.Tensor4D {
  const { batch, inHeight, inWidth, inChannels, filterHeight, filterWidth } = geometry;
  const multiplier = filter.shape[3];
  const channels = inChannels * multiplier;
  const { spread, padding } = spreadForInputGradient(dy, geometry);
  const flippedFilter = tf.reshape(tf.reverse(filter, [0, 1]), [filterHeight, filterWidth, channels, 1]);
  const perChannel = tf.depthwiseConv2d(spread, flippedFilter as tf.Tensor4D, 1, padding);
  if (multiplier === 1) {
    return perChannel;
  }
  return tf.sum(tf.reshape(perChannel, [batch, inHeight, inWidth, inChannels, multiplier]), 4);
}

export const depthwiseConv2dBackpropInputKernel = composedKernel<tf.DepthwiseConv2dNativeBackpropInputAttrs>(
  tf.DepthwiseConv2dNativeBackpropInput,
  (inputs, attrs) => {
    assertNoDilation(tf.DepthwiseConv2dNativeBackpropInput, attrs.dilations);
    const dy = requireInput(inputs, 'dy', tf.DepthwiseConv2dNativeBackpropInput) as tf.Tensor4D;
    const filter = requireInput(inputs, 'filter', tf.DepthwiseConv2dNativeBackpropInput) as tf.Tensor4D;
    const geometry = convGeometry(
      attrs.inputShape,
      filter.shape,
      attrs.strides,
      attrs.pad,
      attrs.dimRoundingMode,
      true,
    );
    return depthwiseConv2dBackpropInput(dy, filter, geometry);
  },
);
