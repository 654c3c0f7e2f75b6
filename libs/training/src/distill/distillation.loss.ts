import * as tf from '@tensorflow/tfjs-core';
import { softmaxCrossEntropy, softTargetKl, type CrossEntropyOptions } from '../engine/cross-entropy.loss';

export type DistillationMode = 'hard' | 'soft';

export interface DistillationLossOptions {
  mode: DistillationMode;
  /** Soft only: weight of the teacher term, in [0, 1]. */
  alpha: number;
  /** Soft only: temperature (> 0). */
  tau: number;
  /** Applied to the class head's cross-entropy with the true labels only. */
  crossEntropy?: CrossEntropyOptions;
}

/**
 * DeiT's distillation objectives for a student with a class head and a distillation head:
 * - hard: 0.5 * CE(class, y) + 0.5 * CE(distillation, argmax teacher);
 * - soft: (1 - alpha) * CE(class, y) + alpha * tau^2 * KL(softmax(teacher / tau) || softmax(distillation / tau)),
 *   the KL summed over classes and averaged over the batch.
 */
export function distillationLoss(
  classLogits: tf.Tensor2D,
  distillationLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  teacherLogits: tf.Tensor2D,
  options: DistillationLossOptions,
): tf.Scalar {
  return tf.tidy(() => {
    const supervised = softmaxCrossEntropy(classLogits, labels, options.crossEntropy);
    switch (options.mode) {
      case 'hard': {
        const teacherLabels = tf.cast(tf.argMax(teacherLogits, 1), 'int32') as tf.Tensor1D;
        const imitation = softmaxCrossEntropy(distillationLogits, teacherLabels);
        return tf.add(tf.mul(supervised, 0.5), tf.mul(imitation, 0.5));
      }
      case 'soft': {
        const { alpha, tau } = options;
        const imitation = softTargetKl(distillationLogits, teacherLogits, tau);
        return tf.add(tf.mul(supervised, 1 - alpha), tf.mul(imitation, alpha * tau * tau));
      }
    }
  });
}
