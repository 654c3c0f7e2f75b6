import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@linescope/vision/backend';
import { buildModel } from '@linescope/vision/models';
import {
  clipByGlobalNorm,
  createTrainingOptimizer,
  isDecayedWeight,
  type OptimizerSettings,
} from './training.optimizer';

beforeAll(() => initBackend({ preferred: 'wasm', logger: () => undefined }));

const settings = (patch: Partial<OptimizerSettings>): OptimizerSettings => ({
  kind: 'adamw',
  momentum: 0,
  nesterov: false,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
  weightDecay: 0.1,
  ...patch,
});

function zeroGradients(model: tfl.LayersModel): tf.NamedTensorMap {
  return Object.fromEntries(
    model.trainableWeights.map((w) => [(w.read() as tf.Variable).name, tf.zerosLike(w.read())]),
  );
}

function values(model: tfl.LayersModel): Map<string, Float32Array> {
  return new Map(model.trainableWeights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
}

/** ResNet (conv kernels, batch-norm scales and offsets, dense bias) and ViT (tokens, position embedding, layer norms). */
const models = (): [string, tfl.LayersModel][] => [
  ['resnet', buildModel({ arch: 'resnet', depth: 10, width: 4, inputSize: 16, numClasses: 3 })],
  ['mobilenetv2', buildModel({ arch: 'mobilenetv2', alpha: 0.35, inputSize: 32, numClasses: 3 })],
  [
    'vit',
    buildModel({
      arch: 'vit',
      patchSize: 8,
      dim: 16,
      depth: 1,
      heads: 2,
      mlpRatio: 2,
      inputSize: 16,
      numClasses: 3,
      distillationToken: true,
    }),
  ],
];

describe('isDecayedWeight', () => {
  it('selects convolution, depthwise and dense kernels and nothing else', () => {
    for (const [, model] of models()) {
      const decayed = model.trainableWeights.filter(isDecayedWeight).map((w) => w.originalName);
      const kept = model.trainableWeights.filter((w) => !isDecayedWeight(w)).map((w) => w.originalName);
      expect(decayed.length).toBeGreaterThan(0);
      expect(decayed.every((name) => /(^|_)kernel$/.test(name.split('/')[1]))).toBe(true);
      expect(kept.every((name) => /\/(bias|gamma|beta|tokens|pos_embed)$/.test(name))).toBe(true);
      model.dispose();
    }
  });
});

describe('weight decay', () => {
  it('AdamW shrinks kernels by lr x wd and leaves biases, norms, tokens and embeddings alone', () => {
    for (const [name, model] of models()) {
      const optimizer = createTrainingOptimizer(settings({ kind: 'adamw' }), model.trainableWeights);
      const before = values(model);
      const gradients = zeroGradients(model);
      // With zero gradients Adam's own update is exactly 0: only the decoupled decay moves weights.
      optimizer.apply(gradients, 0.5);
      const after = values(model);
      for (const weight of model.trainableWeights) {
        const old = before.get(weight.originalName) as Float32Array;
        const now = after.get(weight.originalName) as Float32Array;
        const expected = isDecayedWeight(weight) ? old.map((v) => v * (1 - 0.5 * 0.1)) : old;
        expect({ name, weight: weight.originalName, close: maxDiff(now, expected) < 1e-6 }).toEqual({
          name,
          weight: weight.originalName,
          close: true,
        });
        if (isDecayedWeight(weight) && old.some((v) => v !== 0)) expect(maxDiff(now, old)).toBeGreaterThan(0);
      }
      tf.dispose(Object.values(gradients));
      optimizer.dispose();
      model.dispose();
    }
  });

  it('SGD adds wd x w to the kernels gradients only (L2)', () => {
    const [[, model]] = models();
    const optimizer = createTrainingOptimizer(
      settings({ kind: 'sgd', momentum: 0, weightDecay: 0.01 }),
      model.trainableWeights,
    );
    const before = values(model);
    const gradients = zeroGradients(model);
    optimizer.apply(gradients, 2);
    for (const weight of model.trainableWeights) {
      const old = before.get(weight.originalName) as Float32Array;
      const expected = isDecayedWeight(weight) ? old.map((v) => v - 2 * 0.01 * v) : old;
      expect(maxDiff(weight.read().dataSync() as Float32Array, expected)).toBeLessThan(1e-6);
    }
    tf.dispose(Object.values(gradients));
    optimizer.dispose();
    model.dispose();
  });

  it('sets the learning rate per step and round-trips its state', async () => {
    const variable = tf.variable(tf.tensor1d([1, 2]), true, 'opt_state_probe/kernel');
    const weight = { originalName: 'probe/kernel', read: () => variable } as unknown as tfl.LayerVariable;
    const optimizer = createTrainingOptimizer(settings({ kind: 'adam', weightDecay: 0 }), [weight]);
    const gradient = tf.tensor1d([1, -1]);
    optimizer.apply({ [variable.name]: gradient }, 0.1);
    // Adam's first step moves each weight by lr in the gradient's sign.
    expect(Array.from(variable.dataSync()).map((v) => Number(v.toFixed(4)))).toEqual([0.9, 2.1]);
    optimizer.apply({ [variable.name]: gradient }, 0.01);
    const moved = Array.from(variable.dataSync());
    expect(moved[0]).toBeCloseTo(0.89, 3);
    const state = await optimizer.getState();
    expect(state.map((s) => s.name)).toEqual(['iter', `${variable.name}/m`, `${variable.name}/v`]);
    const restored = createTrainingOptimizer(settings({ kind: 'adam', weightDecay: 0 }), [weight]);
    await restored.setState(state);
    expect((await restored.getState())[0].tensor.dataSync()[0]).toBe(2);
    tf.dispose([gradient, variable]);
    optimizer.dispose();
    restored.dispose();
  });
});

describe('clipByGlobalNorm', () => {
  it('scales all gradients together down to the norm, and leaves small ones alone', () => {
    const gradients = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) };
    const clipped = clipByGlobalNorm(gradients, 1);
    expect(clipped.norm).toBeCloseTo(5, 5);
    expect(Array.from(clipped.gradients.a.dataSync())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(clipped.gradients.b.dataSync())[1]).toBeCloseTo(0.8, 5);
    const untouched = clipByGlobalNorm(gradients, 10);
    expect(untouched.gradients).toBe(gradients);
    tf.dispose([...Object.values(gradients), ...Object.values(clipped.gradients)]);
  });
});

function maxDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
