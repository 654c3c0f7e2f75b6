import * as tf from '@tensorflow/tfjs-core';

import { composedKernel, requireInput } from './composed-kernel.util';
import { assertNoDilation, convGeometry, type ConvGeometry } from './conv-geometry.util';

/**
 * dW[i, j, c, m] = sum over n, y, x of xPadded[n, y*s + i, x*s + j, c] * dy[n, y, x, c*M + m].
 *
 * A direct loop, accumulated in float64. Every composition of wasm kernels tried was slower: as a depthwise
 * convolution this one has a kernel as large as the image (Ho x Wo taps), which XNNPACK has no fast path
 * for (2-4x slower than this loop); per-tap products need shifted strided copies of x, which cost more
 * than the arithmetic.
 */
export function depthwiseConv2dBackpropFilter(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  geometry: ConvGeometry,
  multiplier: number,
): tf.Tensor4D {
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = geometry;
  const { strideHeight, strideWidth, padTop, padLeft } = geometry;
  const xValues = x.dataSync();
  const dyValues = dy.dataSync();
  const outChannels = inChannels * multiplier;
  const sums = new Float64Array(filterHeight * filterWidth * outChannels);

  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < outHeight; y++) {
      for (let x0 = 0; x0 < outWidth; x0++) {
        const dyBase = ((n * outHeight + y) * outWidth + x0) * outChannels;
        for (let i = 0; i < filterHeight; i++) {
          const row = y * strideHeight + i - padTop;
          if (row < 0 || row >= inHeight) {
            continue;
          }
          for (let j = 0; j < filterWidth; j++) {
            const column = x0 * strideWidth + j - padLeft;
            if (column < 0 || column >= inWidth) {
              continue;
            }
            const xBase = ((n * inHeight + row) * inWidth + column) * inChannels;
            const sumBase = (i * filterWidth + j) * outChannels;
            if (multiplier === 1) {
              for (let c = 0; c < inChannels; c++) {
                sums[sumBase + c] += xValues[xBase + c] * dyValues[dyBase + c];
              }
            } else {
              for (let c = 0; c < inChannels; c++) {
                const value = xValues[xBase + c];
                for (let m = 0; m < multiplier; m++) {
                  sums[sumBase + c * multiplier + m] += value * dyValues[dyBase + c * multiplier + m];
                }
              }
            }
          }
        }
      }
    }
  }
  return tf.tensor4d(Float32Array.from(sums), [filterHeight, filterWidth, inChannels, multiplier]);
}

export const depthwiseConv2dBackpropFilterKernel =
  composedKernel<tf.DepthwiseConv2dNativeBackpropFilterAttrs>(
    tf.DepthwiseConv2dNativeBackpropFilter,
    (inputs, attrs) => {
      assertNoDilation(tf.DepthwiseConv2dNativeBackpropFilter, attrs.dilations);
      const x = requireInput(inputs, 'x', tf.DepthwiseConv2dNativeBackpropFilter) as tf.Tensor4D;
      const dy = requireInput(inputs, 'dy', tf.DepthwiseConv2dNativeBackpropFilter) as tf.Tensor4D;
      const geometry = convGeometry(
        x.shape,
        attrs.filterShape,
        attrs.strides,
        attrs.pad,
        attrs.dimRoundingMode,
        true,
      );
      return depthwiseConv2dBackpropFilter(x, dy, geometry, attrs.filterShape[3]);
    },
  );
