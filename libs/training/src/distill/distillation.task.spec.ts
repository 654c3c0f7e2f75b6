import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@linescope/vision/backend';
import { buildModel } from '@linescope/vision/models';
import { createTrainingOptimizer } from '../engine/training.optimizer';
import { trainStep } from '../engine/training.step';
import { distillationLoss } from './distillation.loss';
import { createDistillationTask } from './distillation.task';

beforeAll(() => initBackend({ preferred: 'wasm', logger: () => undefined }));

const SIZE = 16;
const teacherSpec = {
  arch: 'resnet',
  depth: 10,
  width: 4,
  inputSize: SIZE,
  numClasses: 3,
  dropout: 0.5,
} as const;
const studentSpec = {
  arch: 'vit',
  patchSize: 8,
  dim: 16,
  depth: 1,
  heads: 2,
  mlpRatio: 2,
  inputSize: SIZE,
  numClasses: 3,
  distillationToken: true,
  dropout: 0,
} as const;

function batch() {
  return {
    inputs: tf.randomUniform<tf.Rank.R4>([4, SIZE, SIZE, 3], -1, 1, 'float32', 3),
    labels: tf.tensor1d([0, 1, 2, 1], 'int32'),
  };
}

describe('createDistillationTask', () => {
  it('runs the teacher in inference mode and never updates it', async () => {
    const teacher = buildModel(teacherSpec);
    const student = buildModel(studentSpec);
    const preprocessing = {
      inputSize: [SIZE, SIZE] as [number, number],
      normalization: 'mobilenet' as const,
    };
    const task = createDistillationTask({
      teacher: { model: teacher, preprocessing },
      studentPreprocessing: preprocessing,
      mode: 'hard',
    });
    const b = batch();
    const first = task.prepare(b);
    const second = task.prepare(b);
    // Dropout 0.5 in the teacher: identical logits twice means inference mode.
    expect(Array.from(first.teacherLogits?.dataSync() ?? [])).toEqual(
      Array.from(second.teacherLogits?.dataSync() ?? []),
    );

    const result = tf.tidy(() => {
      const r = task.compute(student, first, false);
      const expected = distillationLoss(
        r.outputs[0],
        r.outputs[1],
        b.labels,
        first.teacherLogits as tf.Tensor2D,
        {
          mode: 'hard',
          alpha: 0.5,
          tau: 3,
        },
      );
      return [r.loss, expected, tf.sub(r.logits, tf.div(tf.add(r.outputs[0], r.outputs[1]), 2))];
    });
    expect(result[0].dataSync()[0]).toBeCloseTo(result[1].dataSync()[0], 6);
    // Accuracy uses the inference rule: both heads averaged.
    expect(Math.max(...Array.from(tf.abs(result[2]).dataSync()))).toBeLessThan(1e-6);

    const teacherBefore = teacher.getWeights().map((w) => Array.from(w.dataSync()));
    const optimizer = createTrainingOptimizer(
      {
        kind: 'adamw',
        momentum: 0,
        nesterov: false,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
        weightDecay: 0.05,
      },
      student.trainableWeights,
    );
    const step = await trainStep(student, task, optimizer, b, 1e-2);
    expect(Number.isFinite(step.loss)).toBe(true);
    expect(teacher.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(teacherBefore);

    tf.dispose([...result, first.teacherLogits, second.teacherLogits, b.inputs, b.labels]);
    optimizer.dispose();
    task.dispose();
    // The task owns its teacher by default.
    expect(() => teacher.layers[1].weights[0].read()).toThrow(/disposed/);
    student.dispose();
  });

  it('rejects a student without a distillation head and bad soft settings', () => {
    const teacher = buildModel(teacherSpec);
    const preprocessing = {
      inputSize: [SIZE, SIZE] as [number, number],
      normalization: 'mobilenet' as const,
    };
    expect(() =>
      createDistillationTask({
        teacher: { model: teacher, preprocessing },
        studentPreprocessing: preprocessing,
        mode: 'soft',
        tau: 0,
      }),
    ).toThrow(RangeError);
    const task = createDistillationTask({
      teacher: { model: teacher, preprocessing },
      studentPreprocessing: preprocessing,
      mode: 'soft',
    });
    const plainStudent = buildModel({ ...studentSpec, distillationToken: false });
    const b = batch();
    const prepared = task.prepare(b);
    expect(() => task.compute(plainStudent, prepared, true)).toThrow(/\[class, distillation\] outputs/);
    tf.dispose([b.inputs, b.labels, prepared.teacherLogits]);
    task.dispose();
    plainStudent.dispose();
  });
});
