import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  CameraEntity,
  InspectionEntity,
  type ModelStage,
  ModelVersionEntity,
  ProductionLineEntity,
} from '@linescope/db';
import { type RunningApp, startApp } from '@linescope/platform';
import { FsObjectStore, type ObjectStore } from '@linescope/storage';
import { modelVersionPrefix, type OperatingPoint, saveModelArtifact } from '@linescope/vision/artifacts';
import { initBackend } from '@linescope/vision/backend';
import { buildModel } from '@linescope/vision/models';
// The files themselves, not the folder's index: the export needs no ONNX Runtime in the test's own process.
import { exportToOnnx } from '@linescope/vision/onnx/onnx.export';
import { saveOnnxArtifact } from '@linescope/vision/onnx/onnx-artifact.store';
import { type PreprocessSpec } from '@linescope/vision/preprocess';
import { type TestTimeView } from '@linescope/vision/test-time';
import { type DataSource } from 'typeorm';
import { inferenceApp } from '../../apps/inference/src/inference.app';
import { MODELS_CHANNEL } from '@linescope/db';
import { createMigratedDatabase, type TestDatabase } from '../support/database';
import { datasetImages } from '../support/datasets';

/** Real magnetic-tile JPEGs from ../shared/datasets (never copied into the repository). */
export function tileImages(className: string, count: number): Buffer[] {
  return datasetImages('magnetic-tile', className, count).map((image) => image.bytes);
}

export const TINY_INPUT = 32;
export const TINY_PREPROCESSING: PreprocessSpec = {
  inputSize: [TINY_INPUT, TINY_INPUT],
  resize: 'squash',
  normalization: 'resnet',
};

export interface TinyModelOptions {
  classNames?: string[];
  /**
   * Class probabilities the model answers for every image: the classifier's kernel is zeroed and its bias set
   * to their logarithms, so the scores are known in advance. Without it the weights stay random (He).
   */
  fixedProbabilities?: number[];
  /** Seeds the initial weights, so a test that depends on what random weights answer is not a coin toss. */
  seed?: number;
  /** A slower model for real: more pixels and wider layers (defaults: TINY_INPUT, 8). */
  size?: ModelSize;
}

export interface ModelSize {
  input: number;
  width: number;
}
const TINY_SIZE: ModelSize = { input: TINY_INPUT, width: 8 };

/** A ResNet-10 of width 8 at 32 x 32 pixels: a real zoo model, small enough for tests. */
export async function tinyModel(options: TinyModelOptions = {}): Promise<tfl.LayersModel> {
  await initBackend({ preferred: 'wasm', logger: () => undefined });
  const classNames = options.classNames ?? ['ok', 'defect'];
  const size = options.size ?? TINY_SIZE;
  const model = buildModel({
    arch: 'resnet',
    depth: 10,
    width: size.width,
    numClasses: classNames.length,
    inputSize: size.input,
    dropout: 0,
    seed: options.seed,
  });
  if (options.fixedProbabilities !== undefined) {
    const head = model.layers.findLast((layer) => layer.getClassName() === 'Dense');
    if (head === undefined) throw new Error('the model has no dense classifier');
    const [kernel] = head.getWeights();
    head.setWeights([tf.zerosLike(kernel), tf.tensor1d(options.fixedProbabilities.map(Math.log))]);
  }
  return model;
}

export interface PublishOptions {
  name?: string;
  classNames?: string[];
  positiveClasses?: string[];
  operatingPoint?: OperatingPoint;
  stage?: ModelStage;
  shadow?: boolean;
  /**
   * Also exports the model to ONNX and stores `<prefix>model.onnx`, named by the row's `onnx_key` ('row') or the
   * manifest's `onnxKey` ('manifest'). Without it the version has no ONNX artifact.
   */
  onnx?: 'row' | 'manifest';
  /** The model's size, as given to tinyModel (default: the tiny one). */
  size?: ModelSize;
  /** The manifest's test-time views (none: the image alone). */
  testTimeViews?: TestTimeView[];
  /** The version row's own threshold and band (null: the manifest's). */
  rowThresholds?: {
    operatingThreshold: number | null;
    uncertainLow: number | null;
    uncertainHigh: number | null;
  };
}

let versionCounter = 0;

/** Saves a model as a published artifact in the store and inserts its model_versions row. */
export async function publishModel(
  dataSource: DataSource,
  store: ObjectStore,
  model: tfl.LayersModel,
  options: PublishOptions = {},
): Promise<ModelVersionEntity> {
  const id = randomUUID();
  const classNames = options.classNames ?? ['ok', 'defect'];
  const { input, width } = options.size ?? TINY_SIZE;
  const preprocessing: PreprocessSpec = { ...TINY_PREPROCESSING, inputSize: [input, input] };
  const prefix = modelVersionPrefix(id);
  // Before the manifest: a published manifest is never rewritten to name it.
  const onnx =
    options.onnx === undefined ? undefined : await saveOnnxArtifact(store, prefix, exportToOnnx(model).bytes);
  await saveModelArtifact(store, prefix, model, {
    ...(options.onnx === 'manifest' && onnx !== undefined ? { onnxKey: onnx.key } : {}),
    ...(options.testTimeViews ? { testTimeViews: options.testTimeViews } : {}),
    architecture: { arch: 'resnet', depth: 10, width },
    inputSize: [input, input],
    preprocessing,
    classNames,
    positiveClasses: options.positiveClasses ?? classNames.filter((name) => name !== 'ok'),
    operatingPoint: options.operatingPoint ?? { threshold: 0.5, uncertainBand: { low: 0.4, high: 0.6 } },
    trainingConfig: {},
    metrics: {},
  });
  return dataSource.getRepository(ModelVersionEntity).save({
    id,
    name: options.name ?? 'tiny-resnet',
    version: ++versionCounter,
    architecture: 'resnet',
    spec: { arch: 'resnet', depth: 10, width, numClasses: classNames.length, inputSize: input },
    inputHeight: input,
    inputWidth: input,
    classNames,
    preprocessing: { ...preprocessing },
    artifactKey: prefix,
    onnxKey: options.onnx === 'row' && onnx !== undefined ? onnx.key : null,
    stage: options.stage ?? 'candidate',
    shadow: options.shadow ?? false,
    operatingThreshold: options.rowThresholds?.operatingThreshold ?? null,
    uncertainLow: options.rowThresholds?.uncertainLow ?? null,
    uncertainHigh: options.rowThresholds?.uncertainHigh ?? null,
  });
}

/** What the API does to promote: archive production, promote the version and NOTIFY, in one transaction. */
export async function promote(
  dataSource: DataSource,
  versionId: string,
  options: { notify: boolean },
): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query(`UPDATE model_versions SET stage = 'archived' WHERE stage = 'production'`);
    await manager.query(
      `UPDATE model_versions SET stage = 'production', shadow = false, promoted_at = now() WHERE id = $1`,
      [versionId],
    );
    if (options.notify) {
      await manager.query(`SELECT pg_notify($1, $2)`, [
        MODELS_CHANNEL,
        JSON.stringify({ event: 'promote', id: versionId }),
      ]);
    }
  });
}

export async function notifyModels(dataSource: DataSource, payload: object): Promise<void> {
  await dataSource.query(`SELECT pg_notify($1, $2)`, [MODELS_CHANNEL, JSON.stringify(payload)]);
}

export async function createLine(
  dataSource: DataSource,
  overrides: Partial<ProductionLineEntity> = {},
): Promise<ProductionLineEntity> {
  return dataSource.getRepository(ProductionLineEntity).save({ name: `line-${randomUUID()}`, ...overrides });
}

/** A pending inspection of `image`, stored where the API would have put it. */
export async function createInspection(
  dataSource: DataSource,
  store: ObjectStore,
  lineId: string,
  image: Buffer,
): Promise<InspectionEntity> {
  const camera = await dataSource
    .getRepository(CameraEntity)
    .save({ lineId, name: `camera-${randomUUID()}` });
  const imageKey = `images/${lineId}/${randomUUID()}.jpg`;
  await store.put(imageKey, image, { contentType: 'image/jpeg' });
  return dataSource.getRepository(InspectionEntity).save({
    lineId,
    cameraId: camera.id,
    imageKey,
    imageSha256: 'a'.repeat(64),
    imageBytes: image.length,
    width: 1,
    height: 1,
    format: 'jpeg',
    latency: { receiveMs: 1.5, storeMs: 2.5 },
  });
}

export interface InferenceHarness {
  running: RunningApp;
  url: string;
  dataSource: DataSource;
  store: ObjectStore;
  stop(): Promise<void>;
}

/** A migrated database, a filesystem store, and a hook to publish models before the service starts. */
export interface InferenceSetup {
  db: TestDatabase;
  dataDir: string;
  dataSource: DataSource;
  store: ObjectStore;
  start(env?: Record<string, string>): Promise<InferenceHarness>;
  cleanup(): Promise<void>;
}

/** The shared secret every in-process inference service of these tests requires (as `npm start` would set). */
export const INFERENCE_TEST_TOKEN = 'inference-test-token-0123456789';
const authorization = { Authorization: `Bearer ${INFERENCE_TEST_TOKEN}` };

export async function prepareInference(): Promise<InferenceSetup> {
  const { db, dataSource } = await createMigratedDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-inference-'));
  const store = new FsObjectStore(path.join(dataDir, 'storage'));
  await store.init();
  let running: RunningApp | undefined;
  return {
    db,
    dataDir,
    dataSource,
    store,
    start: async (env = {}) => {
      const fullEnv = {
        DATABASE_URL: db.url,
        DATA_DIR: dataDir,
        INFERENCE_PORT: '0',
        LOG_LEVEL: 'silent',
        TF_BACKEND: 'wasm',
        INFERENCE_WORKERS: '1',
        INFERENCE_TOKEN: INFERENCE_TEST_TOKEN,
        ...env,
      };
      running = await startApp(inferenceApp, fullEnv);
      const started = running;
      await waitFor(async () => (await fetch(`${started.url}/health/ready`)).ok, 30_000, 'inference ready');
      return {
        running: started,
        url: started.url,
        dataSource: started.infra.dataSource,
        store: started.infra.store,
        stop: () => started.shutdown('test finished'),
      };
    },
    cleanup: async () => {
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface PredictCall {
  status: number;
  body: any;
  ms: number;
}

export async function predict(
  url: string,
  image: Buffer,
  query: Record<string, string> = {},
  contentType = 'image/jpeg',
): Promise<PredictCall> {
  const started = performance.now();
  const response = await fetch(`${url}/predict?${new URLSearchParams(query).toString()}`, {
    method: 'POST',
    headers: { 'Content-Type': contentType, ...authorization },
    body: image,
  });
  const body: unknown = await response.json();
  return { status: response.status, body, ms: performance.now() - started };
}

export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

export async function ping(url: string): Promise<any> {
  return (await fetch(`${url}/ping`, { headers: authorization })).json();
}

/** Probability p of 'defect' in a two-class model: [1 - p, p]. */
export function binary(p: number): number[] {
  return [1 - p, p];
}
