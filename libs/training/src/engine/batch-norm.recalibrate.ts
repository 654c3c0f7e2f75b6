import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { FastBatchNorm } from '@linescope/vision/layers';

/**
 * Re-estimates the moving mean and variance of every batch norm of `model` (frozen ones included) on new data,
 * changing no other weight: AdaBN. A backbone pretrained on other images keeps their statistics in its frozen batch
 * norms; on very different images (grey tiles against ImageNet) those leave most activations dead. Each batch runs
 * in training mode with momentum k / (k + 1) at batch k, so the result is the plain average of the batch statistics.
 * The layers' trainable flags and momentum are restored afterwards. `batchAt(k)` makes batch k; it is disposed here.
 */
export function recalibrateBatchNorms(
  model: tfl.LayersModel,
  batches: number,
  batchAt: (index: number) => tf.Tensor,
): number {
  const norms = model.layers.filter((layer): layer is FastBatchNorm => layer instanceof FastBatchNorm);
  const saved = norms.map((layer) => ({
    layer,
    trainable: layer.trainable,
    momentum: layer.momentum,
    weights: layer.weights.map((weight) => weight.trainable),
  }));
  try {
    for (const layer of norms) layer.trainable = true;
    for (let index = 0; index < batches; index++) {
      for (const layer of norms) layer.momentum = index / (index + 1);
      const inputs = batchAt(index);
      try {
        tf.dispose(model.apply(inputs, { training: true }) as tf.Tensor);
      } finally {
        inputs.dispose();
      }
    }
  } finally {
    for (const { layer, trainable, momentum, weights } of saved) {
      layer.trainable = trainable;
      layer.momentum = momentum;
      layer.weights.forEach((weight, i) => (weight.trainable = weights[i]));
    }
  }
  return norms.length;
}
