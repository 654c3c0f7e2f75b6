/*
 * Origin and licence of the weights this file loads: the npm package `nsfwjs` (https://github.com/infinitered/nsfwjs),
 * MIT licence, Copyright (c) 2019 Infinite Red, Inc. We use it as a devDependency only, to check the zoo against a
 * real Keras model; nothing of it ships with the product.
 *
 * Its `mobilenet_v2` model (checked against nsfwjs 4.3.0 and 4.4.0, whose model files are identical) is a Keras 2.2.4 `keras.applications` MobileNetV2, alpha
 * 1.0, 224x224 input, with the backbone marked non-trainable and a 5-class head (AveragePooling2D 7x7 → Flatten →
 * Dense 256 → Dense 128 → Dense 5 softmax), converted by tensorflowjs with uint8-quantised weights (tfjs dequantises
 * them on load). It expects RGB pixels scaled to [0, 1] (`normalization: 'unit'`). The package bundles the model as
 * UMD scripts: `dist/models/mobilenet_v2/model.min.js` exports `{ modelTopology, weightsManifest }` and each weight
 * shard `<path>.min.js` exports the shard's bytes as one base64 string.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import type * as tf from '@tensorflow/tfjs-core';

import { FastBatchNorm } from '../layers';
import { type NormalizationFamily } from '../preprocess';

export type PretrainedSourceErrorCode = 'not_installed' | 'missing_file' | 'unexpected_format';

export class PretrainedSourceError extends Error {
  constructor(
    readonly code: PretrainedSourceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PretrainedSourceError';
  }
}

export const NSFWJS_PACKAGE = 'nsfwjs';
/** The model folder inside the package: the only one of its models that is a Keras (layers) model. */
export const NSFWJS_MOBILENET_FOLDER = path.join('dist', 'models', 'mobilenet_v2');
/** Input side and pixel scaling the model was trained with (nsfwjs divides pixels by 255). */
export const NSFWJS_MOBILENET_INPUT_SIZE = 224;
export const NSFWJS_MOBILENET_NORMALIZATION: NormalizationFamily = 'unit';
/** The layer holding the globally pooled 1280 features, right before the 5-class head. */
export const NSFWJS_MOBILENET_FEATURE_LAYER = 'flatten_1';

/**
 * - 'keras': the topology as shipped (Keras `BatchNormalization` layers): the reference model.
 * - 'zoo': every `BatchNormalization` becomes the zoo's `FastBatchNorm` (same weights and inference arithmetic), so
 *   `transferWeightsByName`, which only copies between layers of the same class, takes the batch norms too.
 */
export type BatchNormFlavour = 'keras' | 'zoo';

export interface NsfwjsMobileNetSourceOptions {
  /** Folder of the installed nsfwjs package; found through Node's module resolution when absent. */
  packageDir?: string;
  batchNorm?: BatchNormFlavour;
}

const nodeRequire = createRequire(__filename);

/**
 * Finds the installed nsfwjs package folder. Its `exports` map hides `package.json` and `dist/models`, so the folder
 * is found by resolving the package's entry point and walking up to the `package.json` named `nsfwjs`.
 */
export function resolveNsfwjsPackageDir(resolveEntry: (id: string) => string = nodeRequire.resolve): string {
  let entry: string;
  try {
    entry = resolveEntry(NSFWJS_PACKAGE);
  } catch (error) {
    throw new PretrainedSourceError(
      'not_installed',
      `the ${NSFWJS_PACKAGE} package is not installed (it is a devDependency: run npm ci, or npm i -D ${NSFWJS_PACKAGE}@4.3.0)`,
      { cause: error },
    );
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && packageNameOf(manifest) === NSFWJS_PACKAGE) return dir;
  }
  throw new PretrainedSourceError(
    'not_installed',
    `resolved ${NSFWJS_PACKAGE} to ${entry} but found no package.json named ${NSFWJS_PACKAGE} above it`,
  );
}

function packageNameOf(manifestFile: string): unknown {
  try {
    return (JSON.parse(readFileSync(manifestFile, 'utf8')) as { name?: unknown }).name;
  } catch {
    return undefined;
  }
}

/**
 * tfjs `IOHandler` reading nsfwjs' bundled Keras MobileNetV2 (see the header of this file) from the installed
 * package, without network access: `tfl.loadLayersModel(new NsfwjsMobileNetSource())`.
 */
export class NsfwjsMobileNetSource implements tf.io.IOHandler {
  private readonly options: NsfwjsMobileNetSourceOptions;

  constructor(options: NsfwjsMobileNetSourceOptions = {}) {
    this.options = options;
  }

  async load(): Promise<tf.io.ModelArtifacts> {
    const packageDir = this.options.packageDir ?? resolveNsfwjsPackageDir();
    const modelDir = path.join(packageDir, NSFWJS_MOBILENET_FOLDER);
    const { modelTopology, weightsManifest } = parseModelExport(
      loadUmdExport(path.join(modelDir, 'model.min.js')),
    );
    const shards = weightsManifest.flatMap((group) =>
      group.paths.map((shardPath) => loadShard(modelDir, shardPath)),
    );
    const weightData = Buffer.concat(shards);
    const topology =
      (this.options.batchNorm ?? 'keras') === 'zoo' ? withZooBatchNorms(modelTopology) : modelTopology;
    return {
      modelTopology: topology,
      weightSpecs: weightsManifest.flatMap((group) => group.weights),
      weightData: weightData.buffer.slice(
        weightData.byteOffset,
        weightData.byteOffset + weightData.byteLength,
      ),
      format: 'layers-model',
      generatedBy: `${NSFWJS_PACKAGE} ${nsfwjsVersion(packageDir)}`,
    };
  }
}

function nsfwjsVersion(packageDir: string): string {
  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown version';
}

/** Runs a UMD bundle as CommonJS and returns its export, without keeping it in the module cache. */
function loadUmdExport(file: string): unknown {
  if (!existsSync(file)) {
    throw new PretrainedSourceError(
      'missing_file',
      `${file} does not exist: this ${NSFWJS_PACKAGE} version does not bundle the model where 4.3.0 does`,
    );
  }
  try {
    return nodeRequire(file) as unknown;
  } finally {
    delete nodeRequire.cache[file];
  }
}

/** Shard names come from the bundle: allow plain file names only, nothing that leaves the model folder. */
const SHARD_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

function loadShard(modelDir: string, shardPath: string): Buffer {
  if (!SHARD_NAME.test(shardPath)) {
    throw new PretrainedSourceError(
      'unexpected_format',
      `weight shard name ${JSON.stringify(shardPath)} is not a plain name`,
    );
  }
  const exported = loadUmdExport(path.join(modelDir, `${shardPath}.min.js`));
  if (typeof exported !== 'string') {
    throw new PretrainedSourceError(
      'unexpected_format',
      `weight shard ${shardPath} exports ${typeof exported}, expected a base64 string`,
    );
  }
  return Buffer.from(exported, 'base64');
}

interface ModelExport {
  modelTopology: Record<string, unknown>;
  weightsManifest: tf.io.WeightsManifestConfig;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isWeightsEntry(value: unknown): value is tf.io.WeightsManifestEntry {
  return (
    isRecord(value) &&
    typeof value['name'] === 'string' &&
    typeof value['dtype'] === 'string' &&
    Array.isArray(value['shape']) &&
    value['shape'].every((dim) => Number.isInteger(dim))
  );
}

function isWeightsGroup(value: unknown): value is tf.io.WeightsManifestConfig[number] {
  return (
    isRecord(value) &&
    Array.isArray(value['paths']) &&
    value['paths'].every((entry) => typeof entry === 'string') &&
    Array.isArray(value['weights']) &&
    value['weights'].every(isWeightsEntry)
  );
}

function isWeightsManifest(value: unknown): value is tf.io.WeightsManifestConfig {
  return Array.isArray(value) && value.every(isWeightsGroup);
}

function parseModelExport(exported: unknown): ModelExport {
  if (!isRecord(exported) || !isRecord(exported['modelTopology'])) {
    throw new PretrainedSourceError('unexpected_format', 'model.min.js does not export { modelTopology }');
  }
  const { modelTopology, weightsManifest } = exported;
  if (!isWeightsManifest(weightsManifest)) {
    throw new PretrainedSourceError(
      'unexpected_format',
      'model.min.js does not export a weightsManifest of { paths, weights } groups',
    );
  }
  if (!isRecord(modelTopology['model_config'])) {
    throw new PretrainedSourceError(
      'unexpected_format',
      'model.min.js holds no Keras model_config: not a layers model',
    );
  }
  return { modelTopology, weightsManifest };
}

/** Keras BatchNormalization settings FastBatchNorm reproduces: normalise the last axis, with gamma and beta. */
function checkZooCompatible(layerName: string, config: Record<string, unknown>): void {
  const axis = config['axis'];
  const lastAxis = axis === -1 || axis === 3 || (Array.isArray(axis) && axis.length === 1 && axis[0] === 3);
  if (!lastAxis || config['center'] === false || config['scale'] === false) {
    throw new PretrainedSourceError(
      'unexpected_format',
      `batch norm ${layerName} (axis ${JSON.stringify(axis)}, center ${String(config['center'])}, scale ${String(config['scale'])}) has no FastBatchNorm equivalent`,
    );
  }
}

/** A copy of the topology with every Keras BatchNormalization replaced by the zoo's FastBatchNorm. */
function withZooBatchNorms(modelTopology: Record<string, unknown>): Record<string, unknown> {
  // Through JSON, not structuredClone: tfjs tells arrays by `instanceof Array`, which fails for another realm's.
  const copy = JSON.parse(JSON.stringify(modelTopology)) as Record<string, unknown>;
  const modelConfig = copy['model_config'];
  const layers =
    isRecord(modelConfig) && isRecord(modelConfig['config']) ? modelConfig['config']['layers'] : undefined;
  if (!Array.isArray(layers)) {
    throw new PretrainedSourceError('unexpected_format', 'the Keras model_config has no layer list');
  }
  for (const layer of layers) {
    if (!isRecord(layer) || layer['class_name'] !== 'BatchNormalization' || !isRecord(layer['config']))
      continue;
    const config = layer['config'];
    const name = String(config['name']);
    checkZooCompatible(name, config);
    layer['class_name'] = FastBatchNorm.className;
    const kept = ['trainable', 'dtype', 'momentum', 'epsilon'].filter((key) => config[key] !== undefined);
    layer['config'] = Object.fromEntries([['name', name], ...kept.map((key) => [key, config[key]])]);
  }
  return copy;
}
