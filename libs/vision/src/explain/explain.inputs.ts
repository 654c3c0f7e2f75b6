import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { averageDistillationLogits } from '../models';
import { ExplainError } from './explain.error';
import { type ClassSelection } from './explanation.types';

/** Throws unless `input` is an NHWC batch matching the model's input shape. */
export function checkInput(model: tfl.LayersModel, input: tf.Tensor): void {
  const expected = model.inputs[0].shape;
  const matches =
    input.rank === 4 &&
    input.shape[0] > 0 &&
    expected.length === 4 &&
    expected.slice(1).every((size, axis) => size === null || size === input.shape[axis + 1]);
  if (!matches) {
    throw new ExplainError(
      'invalid_input',
      `input of shape [${input.shape.join(', ')}] does not fit the model input [${expected.map((size) => size ?? 'batch').join(', ')}]`,
    );
  }
}

/** The logits a zoo model answers with: its one output, or the mean of a distilled ViT's two heads. */
export function combineLogits(outputs: readonly tf.Tensor[]): tf.Tensor2D {
  if (outputs.length === 1) return outputs[0] as tf.Tensor2D;
  if (outputs.length === 2) {
    return averageDistillationLogits(outputs[0] as tf.Tensor2D, outputs[1] as tf.Tensor2D);
  }
  throw new ExplainError(
    'unsupported_model',
    `expected one output or [class, distillation], got ${outputs.length}`,
  );
}

/** One class index per image, checked against the number of classes. Reads `logits` only for 'predicted'. */
export function resolveClasses(selection: ClassSelection, logits: tf.Tensor2D): number[] {
  const [batch, numClasses] = logits.shape;
  const classes =
    selection === 'predicted'
      ? Array.from(tf.tidy(() => tf.argMax(logits, 1).dataSync()))
      : typeof selection === 'number'
        ? new Array<number>(batch).fill(selection)
        : [...selection];
  if (classes.length !== batch) {
    throw new ExplainError('invalid_class_index', `${classes.length} class indices for ${batch} images`);
  }
  const invalid = classes.find((index) => !Number.isInteger(index) || index < 0 || index >= numClasses);
  if (invalid !== undefined) {
    throw new ExplainError('invalid_class_index', `class index ${invalid} is not in [0, ${numClasses})`);
  }
  return classes;
}

/** Sum over the batch of each image's selected logit: its gradient is every image's own class gradient. */
export function selectedLogitSum(logits: tf.Tensor2D, classes: readonly number[]): tf.Scalar {
  const oneHot = tf.oneHot(tf.tensor1d([...classes], 'int32'), logits.shape[1]);
  return tf.sum(tf.mul(logits, oneHot));
}
