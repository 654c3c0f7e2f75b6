import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { initBackend } from '../backend';

/** Shared by the zoo and serving specs only; not part of the public API. */
export async function useTestBackend(): Promise<void> {
  await initBackend({ preferred: 'wasm', logger: () => undefined });
}

export function layersOfClass(model: tfl.LayersModel, className: string): tfl.layers.Layer[] {
  return model.layers.filter((layer) => layer.getClassName() === className);
}

function outputsOf(result: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(result) ? result : [result];
}

/** One optimiser step on softmax cross-entropy summed over every output; returns the loss before the step. */
export function trainStep(
  model: tfl.LayersModel,
  optimizer: tf.Optimizer,
  images: tf.Tensor4D,
  oneHotLabels: tf.Tensor2D,
): number {
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  const loss = optimizer.minimize(
    () => {
      const outputs = outputsOf(model.apply(images, { training: true }) as tf.Tensor | tf.Tensor[]);
      return tf.addN(
        outputs.map((logits) => tf.losses.softmaxCrossEntropy(oneHotLabels, logits)),
      ) as tf.Scalar;
    },
    true,
    variables,
  );
  if (loss === null) throw new Error('minimize returned no loss');
  const value = loss.dataSync()[0];
  loss.dispose();
  return value;
}

/** Random images and labels for overfitting tests: [images, one-hot labels]. */
export function randomBatch(
  batch: number,
  size: number,
  numClasses: number,
  seed = 1,
): [tf.Tensor4D, tf.Tensor2D] {
  return tf.tidy(() => {
    const images = tf.randomNormal<tf.Rank.R4>([batch, size, size, 3], 0, 1, 'float32', seed);
    const labels = tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % numClasses),
      'int32',
    );
    return [images, tf.cast(tf.oneHot(labels, numClasses), 'float32') as tf.Tensor2D];
  });
}

export function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Saves the model to memory (topology JSON + weights) and loads it back, as a file round trip would. */
export async function saveAndLoad(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      saved = artifacts;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  if (saved === undefined) throw new Error('nothing was saved');
  // Through JSON, so only what survives serialisation (no live class instances) reaches the loader.
  const topology = JSON.parse(JSON.stringify(saved.modelTopology)) as object;
  return tfl.loadLayersModel(tf.io.fromMemory({ ...saved, modelTopology: topology }));
}
