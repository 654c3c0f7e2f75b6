import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ObjectNotFoundError, type ObjectStore } from '@linescope/storage';
import { normalizeModelPrefix, ObjectStoreModelHandler } from '@linescope/vision/artifacts';
import { type Finding } from '../checklist/finding.types';
import { type EarlyStoppingState } from './early.stopping';
import { type TrainingConfig } from './training.config';
import { type EpochSummary } from './training.hooks';
import { type NamedTensor, type TrainingOptimizer } from './training.optimizer';

export const CHECKPOINT_FILE = 'checkpoint.json';
const OPTIMIZER_SPECS_FILE = 'optimizer.json';
const OPTIMIZER_WEIGHTS_FILE = 'optimizer.bin';
const CHECKPOINT_VERSION = 1;

/**
 * Everything a run needs to continue where it stopped. The data order and augmentation of an epoch are
 * derived from (seed, epoch), so the completed-epoch count is the sampler's and the rng's position.
 */
export interface CheckpointState {
  version: typeof CHECKPOINT_VERSION;
  /** Completed epochs; the next epoch to run has this 0-based index. */
  epoch: number;
  /** Optimisation steps taken so far (the schedule's position). */
  globalStep: number;
  history: EpochSummary[];
  earlyStopping: EarlyStoppingState;
  /** Checklist findings gathered before training: a resumed run does not repeat the checklist. */
  findings: Finding[];
  /** sha256 of the dataset fingerprint: a resume on other data is refused. */
  fingerprint: string;
  /** The config actually trained with (after the lr-range test or candidate runs may have changed it). */
  config: TrainingConfig;
  /** The config the run was started with; a resume asked for with another is refused. Absent before 2026-11. */
  requestedConfig?: TrainingConfig;
  /** Folder (under the prefix) of this epoch's weights and optimizer state. */
  folder: string;
  /** Folder holding the best epoch's weights, for early stopping's restore. */
  bestFolder: string | null;
  savedAt: string;
}

export interface LoadedCheckpoint {
  state: CheckpointState;
  /** Weights by name (`layer/weight`), as `LayersModel.save` names them. */
  weights: tf.NamedTensorMap;
  bestWeights: tf.NamedTensorMap | null;
  optimizerState: NamedTensor[];
}

const epochFolder = (epoch: number) => `epoch-${String(epoch).padStart(4, '0')}/`;

/**
 * Writes a checkpoint under `prefix`: `epoch-NNNN/` (model through `ObjectStoreModelHandler`, optimizer slots),
 * then `checkpoint.json` pointing at it. The pointer is written last, so a reader sees either the previous
 * complete checkpoint or the new complete one, never a half-written one. Older epoch folders, except the best
 * epoch's, are deleted after the pointer moved.
 */
export async function saveCheckpoint(
  store: ObjectStore,
  prefix: string,
  input: {
    model: tfl.LayersModel;
    optimizer: TrainingOptimizer;
    state: Omit<CheckpointState, 'version' | 'folder' | 'savedAt' | 'bestFolder'>;
    /** True when this epoch is the best so far (its folder becomes the best folder). */
    isBest: boolean;
    previousBestFolder: string | null;
  },
): Promise<CheckpointState> {
  const base = normalizeModelPrefix(prefix);
  const folder = epochFolder(input.state.epoch);
  await input.model.save(new ObjectStoreModelHandler(store, base + folder));
  const optimizerWeights = await input.optimizer.getState();
  const encoded = await tf.io.encodeWeights(optimizerWeights);
  await store.put(
    base + folder + OPTIMIZER_WEIGHTS_FILE,
    Buffer.from(tf.io.CompositeArrayBuffer.join(encoded.data)),
  );
  await store.put(base + folder + OPTIMIZER_SPECS_FILE, Buffer.from(JSON.stringify(encoded.specs)), {
    contentType: 'application/json',
  });
  // The optimizer's iteration counter is a fresh tensor; the slots are its live variables.
  tf.dispose(optimizerWeights.filter((w) => w.name === 'iter').map((w) => w.tensor));

  const state: CheckpointState = {
    ...input.state,
    version: CHECKPOINT_VERSION,
    folder,
    bestFolder: input.isBest ? folder : input.previousBestFolder,
    savedAt: new Date().toISOString(),
  };
  await store.put(base + CHECKPOINT_FILE, Buffer.from(JSON.stringify(state, jsonSafe)), {
    contentType: 'application/json',
  });
  await deleteStaleFolders(store, base, new Set([folder, ...(state.bestFolder ? [state.bestFolder] : [])]));
  return state;
}

async function deleteStaleFolders(store: ObjectStore, base: string, keep: Set<string>): Promise<void> {
  const stale: string[] = [];
  for await (const object of store.list(base)) {
    const relative = object.key.slice(base.length);
    const slash = relative.indexOf('/');
    if (slash === -1) continue;
    if (!keep.has(relative.slice(0, slash + 1))) stale.push(object.key);
  }
  for (const key of stale) await store.delete(key);
}

/** Reads the checkpoint under `prefix`; null when there is none. */
export async function loadCheckpoint(store: ObjectStore, prefix: string): Promise<LoadedCheckpoint | null> {
  const base = normalizeModelPrefix(prefix);
  let pointer: Buffer;
  try {
    pointer = await store.get(base + CHECKPOINT_FILE);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return null;
    throw error;
  }
  const state = JSON.parse(pointer.toString('utf8'), jsonRevive) as CheckpointState;
  const version: unknown = state.version;
  if (version !== CHECKPOINT_VERSION) {
    throw new Error(
      `checkpoint ${base}${CHECKPOINT_FILE} has version ${JSON.stringify(version)}, expected ${CHECKPOINT_VERSION}`,
    );
  }
  const weights = await readModelWeights(store, base + state.folder);
  const bestWeights =
    state.bestFolder === null
      ? null
      : state.bestFolder === state.folder
        ? cloneMap(weights)
        : await readModelWeights(store, base + state.bestFolder);
  const specs = JSON.parse(
    (await store.get(base + state.folder + OPTIMIZER_SPECS_FILE)).toString('utf8'),
  ) as tf.io.WeightsManifestEntry[];
  const bytes = await store.get(base + state.folder + OPTIMIZER_WEIGHTS_FILE);
  const decoded = tf.io.decodeWeights(toArrayBuffer(bytes), specs);
  const optimizerState = specs.map((spec) => ({ name: spec.name, tensor: decoded[spec.name] }));
  return { state, weights, bestWeights, optimizerState };
}

async function readModelWeights(store: ObjectStore, folder: string): Promise<tf.NamedTensorMap> {
  const artifacts = await new ObjectStoreModelHandler(store, folder).load();
  if (!artifacts.weightData || !artifacts.weightSpecs) throw new Error(`${folder} holds no weights`);
  return tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
}

function cloneMap(map: tf.NamedTensorMap): tf.NamedTensorMap {
  return Object.fromEntries(Object.entries(map).map(([key, tensor]) => [key, tf.clone(tensor)]));
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return copy;
}

/** Copies named weights into the model (matched by `layer/weight` name); throws on a missing or misshaped one. */
export function assignWeights(model: tfl.LayersModel, weights: tf.NamedTensorMap): void {
  const values = model.weights.map((weight) => {
    const value = weights[weight.originalName];
    if (value === undefined) throw new Error(`checkpoint has no weight ${weight.originalName}`);
    return value;
  });
  model.setWeights(values);
}

/** Copies of the model's current weights by name (the caller disposes them). */
export function snapshotWeights(model: tfl.LayersModel): tf.NamedTensorMap {
  return Object.fromEntries(model.weights.map((weight) => [weight.originalName, tf.clone(weight.read())]));
}

/** JSON has no NaN or Infinity; a diverged run's history must survive the round trip. */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? { nonFinite: String(value) } : value;
}

function jsonRevive(_key: string, value: unknown): unknown {
  if (
    typeof value === 'object' &&
    value !== null &&
    'nonFinite' in value &&
    Object.keys(value).length === 1
  ) {
    return Number((value as { nonFinite: string }).nonFinite);
  }
  return value;
}
