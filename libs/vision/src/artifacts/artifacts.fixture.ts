import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type ModelManifestInput } from './model-manifest.schema';

/** Test helpers shared by the artifact specs. */

export const TINY_SIZE = 16;

/**
 * A tiny conv net with seeded initialisers: conv → batch norm → relu → global pool → dense softmax.
 * Layer names are fixed so weights can be matched by name across models.
 */
export function tinyConvNet(
  options: { classes?: number; seed?: number; headName?: string } = {},
): tfl.LayersModel {
  const seed = options.seed ?? 1;
  const input = tfl.input({ shape: [TINY_SIZE, TINY_SIZE, 3], name: 'image' });
  const conv = tfl.layers
    .conv2d({
      filters: 4,
      kernelSize: 3,
      padding: 'same',
      name: 'stem_conv',
      kernelInitializer: tfl.initializers.glorotUniform({ seed }),
      biasInitializer: tfl.initializers.randomNormal({ seed: seed + 1, stddev: 0.1 }),
    })
    .apply(input) as tfl.SymbolicTensor;
  const normalized = tfl.layers.batchNormalization({ name: 'stem_bn' }).apply(conv) as tfl.SymbolicTensor;
  const activated = tfl.layers.reLU({ name: 'stem_relu' }).apply(normalized) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(activated) as tfl.SymbolicTensor;
  const output = tfl.layers
    .dense({
      units: options.classes ?? 3,
      activation: 'softmax',
      name: options.headName ?? 'head',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }),
    })
    .apply(pooled) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output, name: 'tiny' });
}

export function manifestInput(overrides: Partial<ModelManifestInput> = {}): ModelManifestInput {
  return {
    architecture: { arch: 'tiny-conv', filters: 4 },
    inputSize: [TINY_SIZE, TINY_SIZE],
    preprocessing: { inputSize: [TINY_SIZE, TINY_SIZE], resize: 'squash', normalization: 'mobilenet' },
    classNames: ['ok', 'crack', 'blowhole'],
    positiveClasses: ['crack', 'blowhole'],
    operatingPoint: { threshold: 0.5, uncertainBand: { low: 0.3, high: 0.7 } },
    trainingConfig: { epochs: 1, learningRate: 0.001 },
    metrics: { auroc: 0.91 },
    createdAt: '2024-05-01T10:00:00.000Z',
    teacherVersion: 'teacher-001',
    ...overrides,
  };
}

export function randomImages(count: number, seed = 7): tf.Tensor4D {
  return tf.randomUniform([count, TINY_SIZE, TINY_SIZE, 3], -1, 1, 'float32', seed);
}

/** Runs the model and returns its output values. */
export function predictValues(model: tfl.LayersModel, images: tf.Tensor4D): Float32Array {
  const output = model.predict(images) as tf.Tensor;
  const values = output.dataSync() as Float32Array;
  output.dispose();
  return values;
}

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'linescope-artifacts-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function weightValues(layer: tfl.layers.Layer): number[][] {
  return layer.getWeights().map((weight) => Array.from(weight.dataSync()));
}
