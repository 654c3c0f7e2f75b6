import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { initBackend } from '../backend';

/** Test helpers shared by the explain specs; not part of the public API. */

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

/** Read-only real datasets, kept beside the repository root. */
export const DATASETS_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'datasets');

export async function useWasmBackend(): Promise<void> {
  await initBackend({ preferred: 'wasm', logger: () => undefined });
}

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SquareImages {
  images: tf.Tensor4D;
  labels: number[];
  /** Top-left corner of each image's square (images of class 1 only). */
  squares: ({ x: number; y: number } | null)[];
}

/**
 * `count` noisy grey `size`x`size` images; odd ones (class 1) carry a bright `square`x`square` patch at a random
 * place, so the only evidence for class 1 is where the patch is.
 */
export function squareImages(count: number, size: number, square: number, seed: number): SquareImages {
  const random = seededUniform(seed);
  const pixels = new Float32Array(count * size * size * 3);
  const labels: number[] = [];
  const squares: ({ x: number; y: number } | null)[] = [];
  for (let image = 0; image < count; image++) {
    const label = image % 2;
    const corner =
      label === 1
        ? { x: Math.floor(random() * (size - square + 1)), y: Math.floor(random() * (size - square + 1)) }
        : null;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inSquare =
          corner !== null && x >= corner.x && x < corner.x + square && y >= corner.y && y < corner.y + square;
        const value = inSquare ? 1 : random() * 0.6 - 0.3;
        pixels.fill(value, ((image * size + y) * size + x) * 3, ((image * size + y) * size + x + 1) * 3);
      }
    }
    labels.push(label);
    squares.push(corner);
  }
  return { images: tf.tensor4d(pixels, [count, size, size, 3]), labels, squares };
}

/** conv-relu-pool x2, conv-relu (stride 4 feature map), global average pooling, dense logits. */
export function tinyCnn(size: number, numClasses: number, seed = 7): tfl.LayersModel {
  const init = (offset: number) => tfl.initializers.heNormal({ seed: seed + offset });
  const input = tfl.input({ shape: [size, size, 3], name: 'input' });
  let x = tfl.layers
    .conv2d({
      name: 'conv1',
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(1),
    })
    .apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({
      name: 'conv2',
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(2),
    })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv2d({
      name: 'conv3',
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: init(3),
    })
    .apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers
    .dense({
      name: 'fc',
      units: numClasses,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 4 }),
    })
    .apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name: 'tiny_cnn' });
}

/** Full-batch Adam on softmax cross-entropy; returns the last loss. */
export function train(
  model: tfl.LayersModel,
  images: tf.Tensor4D,
  labels: readonly number[],
  steps: number,
  lr: number,
): number {
  const optimizer = tf.train.adam(lr);
  const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d([...labels], 'int32'), 2));
  let last = Number.NaN;
  for (let step = 0; step < steps; step++) {
    const loss = optimizer.minimize(
      () =>
        tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(
          oneHot,
          model.apply(images, { training: true }) as tf.Tensor,
        ),
      true,
    );
    last = loss?.dataSync()[0] ?? Number.NaN;
    loss?.dispose();
  }
  tf.dispose([oneHot]);
  optimizer.dispose();
  return last;
}
