import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** Class probabilities from logits (the zoo keeps softmax out of the graph). */
export function logitsToProbabilities(logits: tf.Tensor2D): tf.Tensor2D {
  return tf.softmax(logits);
}

/**
 * Row-wise softmax of `rows x classes` logits (row-major), as TensorFlow.js's softmax computes it: the row's max
 * is subtracted first, so large logits cannot overflow.
 */
export function softmaxRows(logits: Float32Array, classes: number): Float32Array {
  if (classes < 1 || logits.length % classes !== 0)
    throw new RangeError(`${logits.length} logits are not rows of ${classes} classes`);
  const probabilities = new Float32Array(logits.length);
  for (let start = 0; start < logits.length; start += classes) {
    let max = -Infinity;
    for (let index = start; index < start + classes; index++) max = Math.max(max, logits[index]);
    let sum = 0;
    for (let index = start; index < start + classes; index++) sum += Math.exp(logits[index] - max);
    for (let index = start; index < start + classes; index++)
      probabilities[index] = Math.exp(logits[index] - max) / sum;
  }
  return probabilities;
}

/** DeiT inference: the mean of the class-token and distillation-token logits. */
export function averageDistillationLogits(
  classLogits: tf.Tensor2D,
  distillationLogits: tf.Tensor2D,
): tf.Tensor2D {
  return tf.tidy(() => tf.div(tf.add(classLogits, distillationLogits), 2));
}

/** Inference-mode logits of any zoo model: one output as is, two (class, distillation) averaged. */
export function predictLogits(model: tfl.LayersModel, images: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const outputs = model.predict(images);
    if (!Array.isArray(outputs)) {
      return outputs as tf.Tensor2D;
    }
    if (outputs.length !== 2) {
      throw new Error(`expected one output or [class, distillation] outputs, got ${outputs.length}`);
    }
    return averageDistillationLogits(outputs[0] as tf.Tensor2D, outputs[1] as tf.Tensor2D);
  });
}
