import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@linescope/vision/backend';
import { buildModel } from '@linescope/vision/models';
import { NEU_CLS } from '../testing/shared-datasets.testing';
import { disposeBatch, makeBatch } from './batch.pipeline';
import { crossEntropyTask } from './loss.task';
import { preprocessSpecFor, resolveTrainingConfig } from './training.config';
import { prepareDataset } from './training.dataset';
import { createTrainingOptimizer, optimizerSettingsOf } from './training.optimizer';
import { batchLoss, trainStep } from './training.step';

beforeAll(() => initBackend({ preferred: 'wasm', logger: () => undefined }));

describe('trainStep', () => {
  it('lowers the loss on real images without leaking a tensor per step', async () => {
    const config = resolveTrainingConfig({
      data: { source: { kind: 'folder', path: NEU_CLS }, task: 'multiclass', limitPerClass: 4 },
      model: { arch: 'resnet', depth: 10, width: 8, inputSize: 32 },
      optimizer: { kind: 'adamw' },
      dropout: 0.2,
      clipNorm: 5,
    });
    const dataset = await prepareDataset(config, preprocessSpecFor(config));
    const source = {
      cache: dataset.cache,
      labels: dataset.samples.map((s) => s.label),
      normalization: 'resnet' as const,
    };
    const model = buildModel({
      arch: 'resnet',
      depth: 10,
      width: 8,
      inputSize: 32,
      numClasses: 6,
      dropout: 0.2,
    });
    const optimizer = createTrainingOptimizer(optimizerSettingsOf(config), model.trainableWeights);
    const task = crossEntropyTask({ labelSmoothing: 0.1 });
    const batch = makeBatch(
      source,
      dataset.samples.map((_, i) => i),
    );

    const before = await batchLoss(model, task, batch, false);
    const losses: number[] = [];
    const tensorCounts: number[] = [];
    for (let step = 0; step < 12; step++) {
      const result = await trainStep(model, task, optimizer, batch, 3e-3, { clipNorm: config.clipNorm });
      expect(result.count).toBe(24);
      expect(result.gradNorm).toBeGreaterThan(0);
      losses.push(result.loss);
      tensorCounts.push(tf.memory().numTensors);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(0.6 * losses[0]);
    // The first step creates the optimizer's slots; after it every step frees all it allocates.
    expect(new Set(tensorCounts.slice(1)).size).toBe(1);
    const after = await batchLoss(model, task, batch, false);
    expect(Number.isFinite(before.loss)).toBe(true);
    expect(after.correct).toBeGreaterThan(before.correct);

    disposeBatch(batch);
    optimizer.dispose();
    task.dispose();
    model.dispose();
  });

  it('uses dropout only in training mode', () => {
    const model = buildModel({
      arch: 'resnet',
      depth: 10,
      width: 4,
      inputSize: 16,
      numClasses: 3,
      dropout: 0.9,
    });
    const task = crossEntropyTask();
    const batch = {
      inputs: tf.randomNormal<tf.Rank.R4>([4, 16, 16, 3]),
      labels: tf.tensor1d([0, 1, 2, 0], 'int32'),
    };
    const run = (training: boolean) =>
      tf.tidy(() => Array.from(task.compute(model, batch, training).logits.dataSync()));
    expect(run(false)).toEqual(run(false));
    expect(run(true)).not.toEqual(run(true));
    tf.dispose([batch.inputs, batch.labels]);
    model.dispose();
  });
});
