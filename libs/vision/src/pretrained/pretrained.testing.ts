import { readFile } from 'node:fs/promises';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { initBackend } from '../backend';
import { preprocessBatch, type NormalizationFamily } from '../preprocess';

/** Shared by the pretrained specs only; not part of the public API. */

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const DATASETS = path.resolve(REPO_ROOT, '..', 'shared', 'datasets');

export async function useWasm(): Promise<void> {
  await initBackend({ preferred: 'wasm', logger: () => undefined });
}

/**
 * The first `perClass` samples of every class, in file-name order (the same few images on every run), listed round
 * robin over the classes so that consecutive slices mix classes.
 */
export function firstPerClass<S extends { path: string; className: string }>(
  samples: readonly S[],
  perClass: number,
): S[] {
  const byClass = new Map<string, S[]>();
  for (const sample of [...samples].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const taken = byClass.get(sample.className) ?? [];
    if (taken.length < perClass) byClass.set(sample.className, [...taken, sample]);
  }
  const classes = [...byClass.values()];
  return Array.from({ length: perClass }, (_, index) =>
    classes.flatMap((taken) => taken.slice(index, index + 1)),
  ).flat();
}

/** Real images through the product's one preprocessing path (squash resize). */
export async function loadImages(
  files: readonly string[],
  size: number,
  normalization: NormalizationFamily,
): Promise<tf.Tensor4D> {
  const bytes = await Promise.all(files.map((file) => readFile(file)));
  return preprocessBatch(bytes, { inputSize: [size, size], resize: 'squash', normalization });
}

export function oneHot(labels: readonly number[], numClasses: number): tf.Tensor2D {
  return tf.tidy(
    () => tf.cast(tf.oneHot(tf.tensor1d([...labels], 'int32'), numClasses), 'float32') as tf.Tensor2D,
  );
}

export function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

export function predictTensor(model: tfl.LayersModel, images: tf.Tensor4D): tf.Tensor {
  return model.predict(images) as tf.Tensor;
}

/** Copies of every weight (moving statistics included) of the given layers, keyed `layer/weight index`. */
export function snapshotWeights(layers: readonly tfl.layers.Layer[]): Map<string, Float32Array> {
  const snapshot = new Map<string, Float32Array>();
  for (const layer of layers) {
    layer.getWeights().forEach((weight, index) => {
      snapshot.set(`${layer.name}/${index}`, Float32Array.from(weight.dataSync()));
    });
  }
  return snapshot;
}

/** Keys of the snapshot whose values differ from the layers' current weights. */
export function changedWeights(
  layers: readonly tfl.layers.Layer[],
  before: Map<string, Float32Array>,
): string[] {
  const after = snapshotWeights(layers);
  return [...before.keys()].filter((key) => {
    const old = before.get(key);
    const now = after.get(key);
    return old === undefined || now === undefined || old.some((value, index) => value !== now[index]);
  });
}

export function meanLoss(model: tfl.LayersModel, images: tf.Tensor4D, labels: tf.Tensor2D): number {
  return tf.tidy(
    () =>
      tf.losses
        .softmaxCrossEntropy(labels, model.apply(images, { training: false }) as tf.Tensor)
        .dataSync()[0],
  );
}

/**
 * One Adam step on the model's trainable weights, softmax cross-entropy on its logits. `training` picks the mode
 * every layer runs in: a frozen backbone is run with `training: false`, so its batch norms use (and keep) their
 * moving statistics, as Keras does for frozen layers; tfjs would otherwise update them in training mode.
 */
export function adamStep(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  images: tf.Tensor4D,
  labels: tf.Tensor2D,
  training: boolean,
): number {
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const loss = optimizer.minimize(
    () =>
      tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(
        labels,
        model.apply(images, { training }) as tf.Tensor,
      ),
    true,
    variables,
  );
  if (loss === null) throw new Error('minimize returned no loss');
  const value = loss.dataSync()[0];
  loss.dispose();
  return value;
}
