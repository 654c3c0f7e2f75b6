import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { predictLogits } from '@linescope/vision/models';
import { type PreprocessSpec } from '@linescope/vision/preprocess';
import { normalizeTensor } from '../engine/batch.pipeline';
import { inferenceLogits, modelOutputs, type LossTask, type TaskBatch } from '../engine/loss.task';
import { distillationLoss, type DistillationMode } from './distillation.loss';

export interface Teacher {
  /** A trained CNN returning logits for the same classes, in the same order, as the student. */
  model: tfl.LayersModel;
  /** The teacher's own preprocessing (from its manifest): input size and normalisation. */
  preprocessing: Pick<PreprocessSpec, 'inputSize' | 'normalization'>;
}

export interface DistillationTaskOptions {
  teacher: Teacher;
  mode: DistillationMode;
  alpha?: number;
  tau?: number;
  labelSmoothing?: number;
  classWeights?: readonly number[] | null;
  /** The student's preprocessing: when the teacher's matches, it reads the student's inputs as they are. */
  studentPreprocessing: Pick<PreprocessSpec, 'inputSize' | 'normalization'>;
  /** dispose() also disposes the teacher model. Default true. */
  ownsTeacher?: boolean;
}

/**
 * DeiT distillation as a training task. `prepare` runs the teacher in inference mode on the batch (outside the
 * gradient tape: the teacher never learns), on the same augmented pixels the student sees, resized and
 * normalised the teacher's way when they differ; `compute` returns the distillation loss of the student's
 * [class, distillation] outputs. Inference averages both heads (`averageDistillationLogits`).
 */
export function createDistillationTask(options: DistillationTaskOptions): LossTask {
  const { teacher, mode } = options;
  const alpha = options.alpha ?? 0.5;
  const tau = options.tau ?? 3;
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be in [0, 1], got ${alpha}`);
  if (!(tau > 0)) throw new RangeError(`tau must be > 0, got ${tau}`);
  const sameInput =
    teacher.preprocessing.normalization === options.studentPreprocessing.normalization &&
    teacher.preprocessing.inputSize[0] === options.studentPreprocessing.inputSize[0] &&
    teacher.preprocessing.inputSize[1] === options.studentPreprocessing.inputSize[1];
  const classWeights = options.classWeights ? tf.tensor1d([...options.classWeights], 'float32') : null;

  const teacherInput = (batch: TaskBatch): tf.Tensor4D => {
    if (sameInput) return batch.inputs;
    if (!batch.pixels) throw new Error('the distillation task needs the batch pixels for its teacher');
    const [height, width] = teacher.preprocessing.inputSize;
    const [, batchHeight, batchWidth] = batch.pixels.shape;
    const sized =
      batchHeight === height && batchWidth === width
        ? batch.pixels
        : tf.image.resizeBilinear(batch.pixels, [height, width]);
    return normalizeTensor(sized, teacher.preprocessing.normalization);
  };

  return {
    name: `distillation-${mode}`,
    needsPixels: !sameInput,
    prepare(batch) {
      const teacherLogits = tf.tidy(() => predictLogits(teacher.model, teacherInput(batch)));
      return { ...batch, teacherLogits };
    },
    compute(model, batch, training) {
      if (!batch.teacherLogits) throw new Error('prepare() must run before compute()');
      const outputs = modelOutputs(model, batch.inputs, training);
      if (outputs.length !== 2) {
        throw new Error(
          `distillation needs a student with [class, distillation] outputs, got ${outputs.length}`,
        );
      }
      const loss = distillationLoss(outputs[0], outputs[1], batch.labels, batch.teacherLogits, {
        mode,
        alpha,
        tau,
        crossEntropy: { labelSmoothing: options.labelSmoothing ?? 0, classWeights, mix: batch.mix },
      });
      return { loss, outputs, logits: inferenceLogits(outputs) };
    },
    dispose() {
      classWeights?.dispose();
      if (options.ownsTeacher ?? true) teacher.model.dispose();
    },
  };
}
