import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import sharp from 'sharp';

import { initBackend } from './backend.manager';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
const neuCls = path.resolve(repoRoot, '..', 'shared', 'datasets', 'neu-cls');
const SIZE = 24;

async function loadGrey(file: string): Promise<Float32Array> {
  const { data, info } = await sharp(file)
    .resize(SIZE, SIZE)
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) {
    throw new Error(`expected one channel from ${file}, got ${info.channels}`);
  }
  return Float32Array.from(data, (v) => v / 127.5 - 1);
}

/** A few real steel-surface images of two defect classes, as an NHWC batch and one-hot labels. */
async function loadBatch(): Promise<{ images: Float32Array; labels: number[] }> {
  const classes = ['crazing', 'scratches'];
  const pixels: Float32Array[] = [];
  const labels: number[] = [];
  for (const [label, name] of classes.entries()) {
    const prefix = name === 'crazing' ? 'Cr' : 'Sc';
    for (let i = 1; i <= 4; i++) {
      pixels.push(await loadGrey(path.join(neuCls, name, `${prefix}_${i}.png`)));
      labels.push(label);
    }
  }
  const images = new Float32Array(pixels.length * SIZE * SIZE);
  pixels.forEach((p, i) => images.set(p, i * SIZE * SIZE));
  return { images, labels };
}

/** Every op pattern of the zoo's CNNs whose gradient needs one of the registered kernels. */
function tinyConvNet(): tfl.LayersModel {
  const input = tfl.input({ shape: [SIZE, SIZE, 1] });
  let x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false })
    .apply(input);
  x = tfl.layers.batchNormalization().apply(x);
  x = tfl.layers.reLU({ maxValue: 6 }).apply(x);
  const shortcut = x;
  x = tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(x);
  x = tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(x);
  x = tfl.layers.add().apply([x, shortcut] as tfl.SymbolicTensor[]);
  x = tfl.layers.conv2d({ filters: 16, kernelSize: 1, strides: 2 }).apply(x);
  x = tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(x);
  x = tfl.layers.globalAveragePooling2d({}).apply(x);
  x = tfl.layers.dropout({ rate: 0.1 }).apply(x);
  const output = tfl.layers.dense({ units: 2, activation: 'softmax' }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

describe('training on wasm with the registered kernels', () => {
  beforeAll(async () => {
    await initBackend({ preferred: 'wasm', logger: () => undefined });
  });

  it('lowers the loss of a tiny conv net on real images and leaks no tensors', async () => {
    const { images, labels } = await loadBatch();
    const model = tinyConvNet();
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    const xs = tf.tensor4d(images, [labels.length, SIZE, SIZE, 1]);
    const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 2);

    const losses: number[] = [];
    const tensorCounts: number[] = [];
    for (let step = 0; step < 12; step++) {
      losses.push((await model.trainOnBatch(xs, ys)) as number);
      tensorCounts.push(tf.memory().numTensors);
    }

    expect(tf.getBackend()).toBe('wasm');
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.8);
    // The optimizer creates its slots on the first step; after that every step must free what it allocates.
    expect(new Set(tensorCounts.slice(1)).size).toBe(1);
    model.dispose();
    tf.dispose([xs, ys]);
  });
});
