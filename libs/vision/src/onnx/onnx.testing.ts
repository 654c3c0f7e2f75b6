import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { preprocessBatch } from '../preprocess';
import { layerGraph } from '../serving/layer.graph';
import { batchNormParamsOf } from '../serving/layer.inspect';
import { countOpTypes } from './onnx-model.read';
import { OnnxScorer } from './onnx.scorer';
import { type NormalizationFamily } from '../preprocess/pixel.normalization';

/** Shared by the onnx specs and the measurement script only; not part of the public API. */
/** The repository root: the folder of the `linescope` package.json above this file (in src/ or in dist/). */
function findRepoRoot(start: string): string {
  for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'linescope'
    ) {
      return dir;
    }
  }
  throw new Error(`no linescope package.json above ${start}`);
}

export const REPO_ROOT = findRepoRoot(__dirname);
export const DATASETS = path.resolve(REPO_ROOT, '..', 'shared', 'datasets');

export type Dataset = 'neu-cls' | 'magnetic-tile';

const EXTENSION: Readonly<Record<Dataset, string>> = { 'neu-cls': '.png', 'magnetic-tile': '.jpg' };

/** `count` image files taken round-robin over the classes (sorted), skipping the first `offset` of each class. */
export function realImageFiles(dataset: Dataset, count: number, offset = 0): string[] {
  const root = path.join(DATASETS, dataset);
  const classes = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const files = classes.map((name) =>
    readdirSync(path.join(root, name))
      .filter((file) => file.endsWith(EXTENSION[dataset]))
      .sort()
      .map((file) => path.join(root, name, file)),
  );
  return Array.from({ length: count }, (_, index) => {
    const ofClass = files[index % classes.length];
    return ofClass[(offset + Math.floor(index / classes.length)) % ofClass.length];
  });
}

export interface RealBatch {
  tensor: tf.Tensor4D;
  data: Float32Array;
  n: number;
  size: number;
}

/** Real images through the product's own preprocessing (`preprocessBatch`): NHWC float32. */
export async function realImages(
  size: number,
  count: number,
  options: { dataset?: Dataset; offset?: number; normalization?: NormalizationFamily } = {},
): Promise<RealBatch> {
  const files = realImageFiles(options.dataset ?? 'neu-cls', count, options.offset ?? 0);
  const tensor = await preprocessBatch(
    files.map((file) => readFileSync(file)),
    { inputSize: [size, size], resize: 'squash', normalization: options.normalization ?? 'mobilenet' },
  );
  return { tensor, data: tensor.dataSync() as Float32Array, n: count, size };
}

function seededUniform(shape: number[], low: number, high: number, seed: number): tf.Tensor {
  return tf.randomUniform(shape, low, high, 'float32', seed);
}

/**
 * Random, non-trivial values for every weight the initialisers leave constant (batch-norm statistics, gamma /
 * beta of batch and layer norms, biases), so folding and bias paths are all exercised.
 */
export function randomizeConstantWeights(model: tfl.LayersModel, seed: number): void {
  model.layers.forEach((layer, layerIndex) => {
    const roles = layer.weights.map((weight) => weight.originalName.split('/').pop() ?? '');
    if (!roles.some((role) => ['gamma', 'beta', 'moving_mean', 'moving_variance', 'bias'].includes(role)))
      return;
    const values = tf.tidy(() =>
      layer.weights.map((weight, index) => {
        const shape = weight.shape as number[];
        const s = seed + layerIndex * 8 + index;
        switch (roles[index]) {
          case 'gamma':
            return seededUniform(shape, 0.5, 1.5, s);
          case 'beta':
          case 'moving_mean':
          case 'bias':
            return seededUniform(shape, -0.3, 0.3, s);
          case 'moving_variance':
            return seededUniform(shape, 0.5, 2, s);
          default:
            return tf.clone(weight.read());
        }
      }),
    );
    layer.setWeights(values);
    tf.dispose(values);
  });
}

export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  return a.reduce((max, value, index) => Math.max(max, Math.abs(value - b[index])), 0);
}

export function standardDeviation(values: Float32Array): number {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length);
}

/** Index of the largest logit of each row. */
export function argmaxRows(logits: Float32Array, classes: number): number[] {
  return Array.from({ length: logits.length / classes }, (_, row) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[row * classes + c] > logits[row * classes + best]) best = c;
    return best;
  });
}

/**
 * Shifts the bias of each output layer by minus its mean output on `images`, so a random model's top-1 class
 * depends on the image instead of being one class that a random bias favours everywhere.
 */
export function centerClassifiers(model: tfl.LayersModel, images: tf.Tensor4D): void {
  const outputs = tf.tidy(() => {
    const predicted = model.predict(images);
    return (Array.isArray(predicted) ? predicted : [predicted]).map((output) => tf.mean(output, 0));
  });
  model.outputLayers.forEach((layer, index) => {
    const [kernel, bias] = layer.getWeights();
    const centred = tf.sub(bias, outputs[index]);
    layer.setWeights([kernel, centred]);
    centred.dispose();
  });
  tf.dispose(outputs);
}

/** Share of rows whose top-1 class is the same in both logit matrices. */
export function topOneAgreement(a: Float32Array, b: Float32Array, classes: number): number {
  const first = argmaxRows(a, classes);
  const second = argmaxRows(b, classes);
  return first.filter((label, row) => label === second[row]).length / first.length;
}

/** Root-mean-square difference relative to the spread of the reference logits. */
export function relativeRmsError(reference: Float32Array, actual: Float32Array): number {
  const rms = Math.sqrt(
    reference.reduce((sum, value, index) => sum + (value - actual[index]) ** 2, 0) / reference.length,
  );
  return rms / standardDeviation(reference);
}

/**
 * Sets every batch norm's moving mean / variance to the statistics of its input on `images` (one pass through the
 * layer graph, in order), as training would leave them: a random network then keeps image-dependent signal at
 * every depth instead of drifting into saturation, like a trained one.
 */
export function fitBatchNormStatistics(model: tfl.LayersModel, images: tf.Tensor4D): void {
  const graph = layerGraph(model);
  const values = new Map<number, tf.Tensor>([[graph.inputId, images]]);
  for (const node of graph.nodes) {
    const inputs = node.inputIds.map((id) => values.get(id) as tf.Tensor);
    const params = batchNormParamsOf(node.layer);
    if (params !== null) {
      const { mean, variance } = tf.moments(inputs[0], [0, 1, 2]);
      const roles = node.layer.weights.map((weight) => weight.originalName.split('/').pop());
      const current = node.layer.getWeights();
      node.layer.setWeights(
        roles.map((role, index) =>
          role === 'moving_mean' ? mean : role === 'moving_variance' ? variance : current[index],
        ),
      );
      tf.dispose([mean, variance]);
    }
    const output = node.layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false });
    values.set(node.outputId, output as tf.Tensor);
  }
  values.delete(graph.inputId);
  tf.dispose([...values.values()]);
}

/**
 * Trains only the output layer(s) (a linear probe) on `images` with `labels` (full-batch Adam), leaving the
 * backbone as it is: the logits then follow the features that tell the classes apart, as in a trained model.
 */
export function trainClassifiers(
  model: tfl.LayersModel,
  images: tf.Tensor4D,
  labels: readonly number[],
  steps = 200,
): number {
  const heads = model.outputLayers;
  const features = tf.tidy(() => {
    const extractor = tfl.model({
      inputs: model.inputs,
      outputs: heads.map((layer) => layer.input as tfl.SymbolicTensor),
    });
    const predicted = extractor.predict(images);
    return Array.isArray(predicted) ? predicted : [predicted];
  });
  const classes = model.outputs[0].shape[1] ?? 0;
  const targets = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([...labels], 'int32'), classes), 'float32'));
  const variables = heads.flatMap((layer) =>
    layer.trainableWeights.map((weight) => weight.read() as tf.Variable),
  );
  const optimizer = tf.train.adam(0.01);
  let loss = NaN;
  for (let step = 0; step < steps; step++) {
    const value = optimizer.minimize(
      () =>
        tf.addN(
          heads.map((layer, index) =>
            tf.losses.softmaxCrossEntropy(targets, layer.apply(features[index]) as tf.Tensor),
          ),
        ) as tf.Scalar,
      true,
      variables,
    );
    loss = value?.dataSync()[0] ?? NaN;
    value?.dispose();
  }
  optimizer.dispose();
  tf.dispose([...features, targets]);
  return loss;
}

/**
 * Top-1 agreement restricted to the rows where the reference is confident (top-1 minus top-2 logit >= minMargin):
 * the decisions that are not near-ties, which a small perturbation should never flip.
 */
export function confidentAgreement(
  reference: Float32Array,
  actual: Float32Array,
  classes: number,
  minMargin: number,
): { agreement: number; count: number } {
  const referenceTop = argmaxRows(reference, classes);
  const actualTop = argmaxRows(actual, classes);
  const confident = referenceTop
    .map((top, row) => {
      const logits = Array.from(reference.subarray(row * classes, (row + 1) * classes));
      const runnerUp = Math.max(...logits.filter((_, index) => index !== top));
      return logits[top] - runnerUp >= minMargin ? row : -1;
    })
    .filter((row) => row >= 0);
  const agreeing = confident.filter((row) => referenceTop[row] === actualTop[row]).length;
  return { agreement: agreeing / Math.max(confident.length, 1), count: confident.length };
}

/** Op types of the graph ONNX Runtime actually runs (after its fusions) at optimisation level 'all'. */
export async function optimizedOpTypes(bytes: Uint8Array): Promise<Record<string, number>> {
  const folder = await mkdtemp(path.join(tmpdir(), 'linescope-ort-'));
  try {
    const file = path.join(folder, 'optimized.onnx');
    const scorer = await OnnxScorer.create(bytes, { optimizedModelPath: file });
    await scorer.dispose();
    return countOpTypes(new Uint8Array(await readFile(file)));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
