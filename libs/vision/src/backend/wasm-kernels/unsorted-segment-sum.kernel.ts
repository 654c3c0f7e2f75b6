import * as tf from '@tensorflow/tfjs-core';

import { composedKernel, requireInput } from './composed-kernel.util';

/**
 * out[s, ...] = sum of x[i, ...] over every i with segmentIds[i] == s: the gradient of `tf.gather`.
 * A scatter-add (wasm's ScatterNd sums duplicate indices). Ids outside [0, numSegments) are dropped, as in
 * TensorFlow, by sending them to one extra segment that is cut off afterwards.
 */
export function unsortedSegmentSum(x: tf.Tensor, segmentIds: tf.Tensor, numSegments: number): tf.Tensor {
  if (segmentIds.rank !== 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new Error(
      `UnsortedSegmentSum on wasm needs 1-D segment ids as long as x's first axis, got ids [${segmentIds.shape.join(', ')}] for x [${x.shape.join(', ')}]`,
    );
  }
  const ids = tf.cast(segmentIds, 'int32');
  const outOfRange = tf.logicalOr(tf.less(ids, 0), tf.greaterEqual(ids, numSegments));
  const routed = tf.where(outOfRange, tf.fill(ids.shape, numSegments, 'int32'), ids);
  const rest = x.shape.slice(1);
  const summed = tf.scatterND(tf.reshape(routed, [-1, 1]), x, [numSegments + 1, ...rest]);
  return tf.slice(summed, 0, numSegments);
}

export const unsortedSegmentSumKernel = composedKernel<tf.UnsortedSegmentSumAttrs>(
  tf.UnsortedSegmentSum,
  (inputs, attrs) =>
    unsortedSegmentSum(
      requireInput(inputs, 'x', tf.UnsortedSegmentSum),
      requireInput(inputs, 'segmentIds', tf.UnsortedSegmentSum),
      attrs.numSegments,
    ),
);
