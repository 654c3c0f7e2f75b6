import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { averageDistillationLogits } from '@linescope/vision/models';
import { softmaxCrossEntropy, type CrossEntropyOptions } from './cross-entropy.loss';

/** One batch as a task sees it. */
export interface TaskBatch {
  /** Normalised model input, NHWC. */
  inputs: tf.Tensor4D;
  /** Integer class labels [N]; for a mixed batch, each image's dominant label. */
  labels: tf.Tensor1D;
  /** Mixup/cutmix: the other label of each image and the dominant one's weight (targets w y + (1 - w) other). */
  mix?: { labels: tf.Tensor1D; weight: number };
  /** The same (augmented) images in [0, 255] before normalisation; present when the task `needsPixels`. */
  pixels?: tf.Tensor4D;
  /** Filled by `prepare` of a distillation task. */
  teacherLogits?: tf.Tensor2D;
}

export interface TaskResult {
  /** The objective that training minimises. */
  loss: tf.Scalar;
  /** Every output of the model: [logits], or [class logits, distillation logits]. */
  outputs: tf.Tensor2D[];
  /** The logits inference uses (both heads averaged for DeiT), for accuracy. */
  logits: tf.Tensor2D;
}

/** What a training step optimises. The engine calls `prepare` outside the gradient tape, `compute` inside it. */
export interface LossTask {
  readonly name: string;
  /** The batch must carry `pixels` (e.g. for a teacher with its own preprocessing). */
  readonly needsPixels: boolean;
  /** Adds what the loss needs beyond the labels (teacher logits); new tensors there are disposed by the caller. */
  prepare(batch: TaskBatch): TaskBatch;
  compute(model: tfl.LayersModel, batch: TaskBatch, training: boolean): TaskResult;
  dispose(): void;
}

export function modelOutputs(model: tfl.LayersModel, inputs: tf.Tensor4D, training: boolean): tf.Tensor2D[] {
  const result = model.apply(inputs, { training }) as tf.Tensor | tf.Tensor[];
  return (Array.isArray(result) ? result : [result]) as tf.Tensor2D[];
}

/** Inference logits from the outputs: the only output, or the mean of the class and distillation heads. */
export function inferenceLogits(outputs: readonly tf.Tensor2D[]): tf.Tensor2D {
  if (outputs.length === 1) return outputs[0];
  if (outputs.length === 2) return averageDistillationLogits(outputs[0], outputs[1]);
  throw new Error(`expected one output or [class, distillation] outputs, got ${outputs.length}`);
}

/**
 * Supervised cross-entropy. For a DeiT student trained WITHOUT a teacher both heads learn the labels
 * (0.5 CE(class) + 0.5 CE(distillation)): the model then has the same outputs and the same averaged inference
 * rule as a distilled one, so the two compare fairly.
 */
export function crossEntropyTask(
  options: { labelSmoothing?: number; classWeights?: readonly number[] | null } = {},
): LossTask {
  const classWeights = options.classWeights ? tf.tensor1d([...options.classWeights], 'float32') : null;
  const lossOptions: CrossEntropyOptions = { labelSmoothing: options.labelSmoothing ?? 0, classWeights };
  return {
    name: 'cross-entropy',
    needsPixels: false,
    prepare: (batch) => batch,
    compute(model, batch, training) {
      const outputs = modelOutputs(model, batch.inputs, training);
      const losses = outputs.map((logits) =>
        softmaxCrossEntropy(logits, batch.labels, { ...lossOptions, mix: batch.mix }),
      );
      const loss = losses.length === 1 ? losses[0] : tf.div<tf.Scalar>(tf.addN(losses), losses.length);
      return { loss, outputs, logits: inferenceLogits(outputs) };
    },
    dispose: () => classWeights?.dispose(),
  };
}
