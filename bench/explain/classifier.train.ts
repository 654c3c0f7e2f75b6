import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { createBalancedSampler } from '../../libs/training/src/data';
import { createRng, deriveSeed } from '../../libs/training/src/random';
import { predictLogits } from '../../libs/vision/src/models';
import { type PreprocessSpec } from '../../libs/vision/src/preprocess';
import { batchTensor } from './tile-dataset.load';

export interface TrainOptions {
  epochs: number;
  epochSize: number;
  batch: number;
  lr: number;
  seed: number;
  log: (message: string) => void;
}

/** Random horizontal and vertical flips, one draw per batch: a tile's defects have no preferred side. */
function flip(images: tf.Tensor4D, horizontal: boolean, vertical: boolean): tf.Tensor4D {
  const axes = [...(vertical ? [1] : []), ...(horizontal ? [2] : [])];
  return axes.length === 0 ? tf.clone(images) : tf.reverse(images, axes);
}

/** Class-balanced mini-batches, softmax cross-entropy, Adam at a constant rate. */
export function trainClassifier(
  model: tfl.LayersModel,
  pixels: readonly Uint8Array[],
  labels: readonly number[],
  spec: PreprocessSpec,
  options: TrainOptions,
): void {
  const optimizer = tf.train.adam(options.lr);
  const sampler = createBalancedSampler(labels, { seed: options.seed, epochSize: options.epochSize });
  const rng = createRng(deriveSeed(options.seed, 'flips'));
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const started = Date.now();
    const order = sampler.epoch(epoch);
    let lossSum = 0;
    let batches = 0;
    for (let start = 0; start < order.length; start += options.batch) {
      const indices = order.slice(start, start + options.batch);
      const [images, targets] = tf.tidy(() => [
        flip(batchTensor(pixels, indices, spec), rng.chance(0.5), rng.chance(0.5)),
        tf.oneHot(
          tf.tensor1d(
            indices.map((index) => labels[index]),
            'int32',
          ),
          2,
        ),
      ]);
      const loss = optimizer.minimize(
        () =>
          tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(
            targets,
            model.apply(images, { training: true }) as tf.Tensor,
          ),
        true,
      );
      tf.dispose([images, targets]);
      lossSum += loss?.dataSync()[0] ?? Number.NaN;
      loss?.dispose();
      batches++;
    }
    options.log(
      `epoch ${epoch + 1}/${options.epochs}: loss ${(lossSum / batches).toFixed(4)} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
  optimizer.dispose();
}

/** Predicted class per image, in batches. */
export function predictClasses(
  model: tfl.LayersModel,
  pixels: readonly Uint8Array[],
  spec: PreprocessSpec,
  batch: number,
): number[] {
  const predicted: number[] = [];
  for (let start = 0; start < pixels.length; start += batch) {
    const indices = Array.from({ length: Math.min(batch, pixels.length - start) }, (_, i) => start + i);
    const classes = tf.tidy(() =>
      tf.argMax(predictLogits(model, batchTensor(pixels, indices, spec)), 1).dataSync(),
    );
    predicted.push(...classes);
  }
  return predicted;
}
