import * as tf from '@tensorflow/tfjs-core';

import { paddingFor, type ConvGeometry } from './conv-geometry.util';

export type Padding4 = [[number, number], [number, number], [number, number], [number, number]];

/** A stride-1 convolution of (part of) dy with a spatially reversed sub-filter, explicit padding. */
export type PhaseConvolution = (
  dy: tf.Tensor4D,
  reversedSubFilter: tf.Tensor4D,
  padding: Padding4,
) => tf.Tensor4D;

interface AxisPlan {
  stride: number;
  /** First quotient q computed; input index = q * stride + phase - padBefore. */
  first: number;
  /** Quotients computed per phase. */
  count: number;
  /** Rows (or columns) to drop at the start of the interleaved result. */
  offset: number;
}

function axisPlan(stride: number, padBefore: number, inSize: number): AxisPlan {
  const first = Math.floor(padBefore / stride);
  return {
    stride,
    first,
    count: Math.ceil((inSize + padBefore) / stride) - first,
    offset: padBefore - first * stride,
  };
}

/**
 * The input gradient of a strided convolution without multiplying zeros. Input row Y is reached by the filter
 * taps i with i = (Y + padTop) mod stride (mod stride), so rows of one phase r are a stride-1 convolution of dy
 * with the taps r, r + stride, ... reversed; the stride x stride phases are computed so and interleaved. Spreading
 * dy onto the stride grid with zeros and convolving with the whole filter gives the same numbers at stride^2
 * times the work (4x for a stride-2 layer, the stem and every downsampling block).
 */
export function phaseDecomposedInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  geometry: ConvGeometry,
  convolve: PhaseConvolution,
  channels: number,
): tf.Tensor4D {
  const { batch, inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth } = geometry;
  const rows = axisPlan(geometry.strideHeight, geometry.padTop, inHeight);
  const columns = axisPlan(geometry.strideWidth, geometry.padLeft, inWidth);
  const phaseRows: tf.Tensor4D[] = [];
  for (let rowPhase = 0; rowPhase < rows.stride; rowPhase++) {
    const phases: tf.Tensor4D[] = [];
    for (let columnPhase = 0; columnPhase < columns.stride; columnPhase++) {
      const tapRows = Math.ceil((filterHeight - rowPhase) / rows.stride);
      const tapColumns = Math.ceil((filterWidth - columnPhase) / columns.stride);
      if (tapRows <= 0 || tapColumns <= 0) {
        phases.push(tf.zeros([batch, rows.count, columns.count, channels]));
        continue;
      }
      const [, , a, b] = filter.shape;
      const subFilter = tf.stridedSlice(
        filter,
        [rowPhase, columnPhase, 0, 0],
        [filterHeight, filterWidth, a, b],
        [rows.stride, columns.stride, 1, 1],
      ) as tf.Tensor4D;
      // out[q] = sum over k of dy[q - k] * sub[k]: a correlation with the reversed taps, dy padded by taps - 1.
      const vertical = paddingFor(outHeight, tapRows, rows.count, tapRows - 1 - rows.first);
      const horizontal = paddingFor(outWidth, tapColumns, columns.count, tapColumns - 1 - columns.first);
      const source =
        vertical.cutBefore + vertical.cutAfter + horizontal.cutBefore + horizontal.cutAfter > 0
          ? tf.slice(
              dy,
              [0, vertical.cutBefore, horizontal.cutBefore, 0],
              [
                batch,
                outHeight - vertical.cutBefore - vertical.cutAfter,
                outWidth - horizontal.cutBefore - horizontal.cutAfter,
                dy.shape[3],
              ],
            )
          : dy;
      phases.push(
        convolve(source, tf.reverse(subFilter, [0, 1]), [
          [0, 0],
          [vertical.before, vertical.after],
          [horizontal.before, horizontal.after],
          [0, 0],
        ]),
      );
    }
    phaseRows.push(tf.stack(phases, 3) as tf.Tensor4D);
  }
  const interleaved = tf.reshape<tf.Rank.R4>(tf.stack(phaseRows, 2), [
    batch,
    rows.count * rows.stride,
    columns.count * columns.stride,
    channels,
  ]);
  return tf.slice(interleaved, [0, rows.offset, columns.offset, 0], [batch, inHeight, inWidth, channels]);
}
