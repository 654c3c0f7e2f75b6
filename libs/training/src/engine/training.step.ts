import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { correctCount } from './cross-entropy.loss';
import { type LossTask, type TaskBatch } from './loss.task';
import { clipByGlobalNorm, type TrainingOptimizer } from './training.optimizer';

export interface StepResult {
  loss: number;
  correct: number;
  count: number;
  /** Global gradient norm before clipping (only measured when clipping). */
  gradNorm?: number;
}

/**
 * One optimisation step: the task's loss in training mode (dropout on, batch statistics) under
 * `tf.variableGrads`, optional global-norm clipping, then the optimizer update at `lr`. Every tensor it makes is
 * released before it returns; the batch stays the caller's.
 */
export async function trainStep(
  model: tfl.LayersModel,
  task: LossTask,
  optimizer: TrainingOptimizer,
  batch: TaskBatch,
  lr: number,
  options: { clipNorm?: number } = {},
): Promise<StepResult> {
  const prepared = task.prepare(batch);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let correct: tf.Scalar | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const result = task.compute(model, prepared, true);
    correct = tf.keep(correctCount(result.logits, prepared.labels));
    return result.loss;
  }, variables);
  let gradNorm: number | undefined;
  try {
    if (options.clipNorm !== undefined) {
      const clipped = clipByGlobalNorm(grads, options.clipNorm);
      gradNorm = clipped.norm;
      optimizer.apply(clipped.gradients, lr);
      if (clipped.gradients !== grads) tf.dispose(Object.values(clipped.gradients));
    } else {
      optimizer.apply(grads, lr);
    }
    const [loss] = await value.data();
    const [hits] = correct ? await (correct as tf.Scalar).data() : [0];
    return { loss, correct: hits, count: batch.labels.shape[0], gradNorm };
  } finally {
    tf.dispose([value, ...Object.values(grads), ...(correct ? [correct as tf.Scalar] : [])]);
    if (prepared.teacherLogits && prepared.teacherLogits !== batch.teacherLogits)
      prepared.teacherLogits.dispose();
  }
}

/** Loss and correct count of a batch without updating anything (the model's mode is the caller's choice). */
export async function batchLoss(
  model: tfl.LayersModel,
  task: LossTask,
  batch: TaskBatch,
  training: boolean,
): Promise<StepResult> {
  const prepared = task.prepare(batch);
  const [loss, correct] = tf.tidy(() => {
    const result = task.compute(model, prepared, training);
    return [result.loss, correctCount(result.logits, prepared.labels)];
  });
  try {
    return { loss: (await loss.data())[0], correct: (await correct.data())[0], count: batch.labels.shape[0] };
  } finally {
    tf.dispose([loss, correct]);
    if (prepared.teacherLogits && prepared.teacherLogits !== batch.teacherLogits)
      prepared.teacherLogits.dispose();
  }
}

/** Lets timers, I/O and signal handlers run between steps (training is otherwise one long synchronous stretch). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
