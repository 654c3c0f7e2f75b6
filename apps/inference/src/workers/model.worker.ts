import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@linescope/vision/backend';
import { explainPrediction, type ClassActivationMaps } from '@linescope/vision/explain';
// The zoo import also registers the custom layer classes (ViT, fast batch norm) that model.json may name.
import { logitsToProbabilities, softmaxRows } from '@linescope/vision/models';
import { compileForServing, type ServingModel } from '@linescope/vision/serving';
import { scoreViews, type ScoredRows } from '@linescope/vision/test-time';
import {
  type ExplainRequest,
  type ExplainResult,
  type LoadRequest,
  type LoadResult,
  type ModelArtifactBytes,
  type OnnxModelBytes,
  type PredictRequest,
  type PredictResult,
  type WorkerEnvelope,
  type WorkerInit,
  type WorkerMessage,
  type WorkerResults,
} from './worker.protocol';

/** The TensorFlow.js model: the layers model (for Grad-CAM) and its compiled serving graph. */
interface TfjsModel {
  layers: tfl.LayersModel;
  serving: ServingModel;
}

/** The part of `OnnxScorer` (libs/vision/src/onnx) a worker uses; its module is loaded on first use only. */
interface OnnxSession {
  run(batch: Float32Array, n: number, h: number, w: number): Promise<Float32Array>;
  runWithCam(
    batch: Float32Array,
    n: number,
    h: number,
    w: number,
  ): Promise<{ logits: Float32Array; cam: ClassActivationMaps | null }>;
  readonly numClasses: number | null;
  dispose(): Promise<void>;
}

/**
 * One forward-pass thread: its own TensorFlow.js backend and its own copy of every served model. Several
 * versions live side by side during a swap. A version with an ONNX artifact is scored by an ONNX Runtime session
 * of this worker (onnxruntime-node runs a session on the calling thread, so one session per worker keeps the
 * service's main thread free); its TensorFlow.js model is built only for a heatmap, from the artifact kept here.
 */
interface WorkerModel {
  artifact: ModelArtifactBytes;
  inputSize: [number, number];
  onnx?: OnnxSession;
  tfjs?: TfjsModel;
}

const models = new Map<string, WorkerModel>();

function modelOf(versionId: string): WorkerModel {
  const model = models.get(versionId);
  if (model === undefined) throw new Error(`model ${versionId} is not loaded in this worker`);
  return model;
}

async function buildTfjs(artifact: ModelArtifactBytes): Promise<TfjsModel> {
  const layers = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: artifact.modelTopology,
      weightSpecs: artifact.weightSpecs,
      weightData: artifact.weightData,
    }),
  );
  return { layers, serving: compileForServing(layers) };
}

async function openOnnxSession({ bytes, threads }: OnnxModelBytes): Promise<OnnxSession> {
  // Loaded lazily: a service that never serves an ONNX artifact never loads the native runtime.
  const { OnnxScorer } = await import('@linescope/vision/onnx/onnx.scorer');
  return OnnxScorer.create(bytes, { threads, optimizationLevel: 'all' });
}

async function load({ versionId, artifact, onnx }: LoadRequest): Promise<LoadResult> {
  const started = performance.now();
  const engine = onnx === undefined ? 'tfjs' : 'onnx';
  if (models.has(versionId)) return { engine, loadMs: 0, warmMs: 0, fusedLayers: 0 };
  const [height, width] = artifact.inputSize;
  if (onnx !== undefined) {
    const session = await openOnnxSession(onnx);
    const loaded = performance.now();
    try {
      await session.run(new Float32Array(height * width * 3), 1, height, width);
    } catch (error) {
      await session.dispose();
      throw error;
    }
    models.set(versionId, { artifact, inputSize: artifact.inputSize, onnx: session });
    return { engine, loadMs: loaded - started, warmMs: performance.now() - loaded, fusedLayers: 0 };
  }
  const tfjs = await buildTfjs(artifact);
  const loaded = performance.now();
  tf.tidy(() => tfjs.serving.predict(tf.zeros([1, height, width, 3]))).dispose();
  models.set(versionId, { artifact, inputSize: artifact.inputSize, tfjs });
  return {
    engine,
    loadMs: loaded - started,
    warmMs: performance.now() - loaded,
    fusedLayers: tfjs.serving.summary.fusedLayers,
  };
}

async function unload(versionId: string): Promise<{ unloaded: boolean }> {
  const model = models.get(versionId);
  if (model === undefined) return { unloaded: false };
  models.delete(versionId);
  model.tfjs?.serving.dispose();
  model.tfjs?.layers.dispose();
  await model.onnx?.dispose();
  return { unloaded: true };
}

/**
 * Scores `count` images; with test-time views, each image is scored under every view of its model and the
 * probabilities averaged (the same functions evaluation uses), whichever engine runs the forward pass.
 */
async function predict({ versionId, images, count }: PredictRequest): Promise<PredictResult> {
  const model = modelOf(versionId);
  const started = performance.now();
  const views = model.artifact.testTimeViews;
  // The heatmap explains the image alone (as Grad-CAM does): a version scored under several views leaves it to the job.
  const alone = views.length === 0 || (views.length === 1 && views[0] === 'identity');
  let cam: ClassActivationMaps | null = null;
  const { probabilities, classes } = await scoreViews(
    images,
    count,
    model.inputSize,
    views,
    async (inputs, n) => {
      const scored = await forward(model, inputs, n, alone);
      cam = scored.cam;
      return scored;
    },
  );
  return { probabilities, classes, forwardMs: performance.now() - started, cam };
}

async function forward(
  model: WorkerModel,
  images: Float32Array,
  count: number,
  withCam: boolean,
): Promise<ScoredRows & { cam: ClassActivationMaps | null }> {
  const [height, width] = model.inputSize;
  if (model.onnx !== undefined) {
    const { logits, cam } = withCam
      ? await model.onnx.runWithCam(images, count, height, width)
      : { logits: await model.onnx.run(images, count, height, width), cam: null };
    const classes = logits.length / count;
    return { probabilities: softmaxRows(logits, classes), classes, cam };
  }
  const serving = (model.tfjs as TfjsModel).serving;
  const [probabilities, maps] = tf.tidy(() => {
    const outputs = serving.predictWithCam(tf.tensor4d(images, [count, height, width, 3]));
    const scores = logitsToProbabilities(outputs.logits);
    return withCam && outputs.cam !== null ? [scores, outputs.cam] : [scores];
  });
  try {
    const cam =
      maps === undefined
        ? null
        : {
            values: (await maps.data()) as Float32Array,
            height: maps.shape[1],
            width: maps.shape[2],
            classes: maps.shape[3],
          };
    return {
      probabilities: (await probabilities.data()) as Float32Array,
      classes: probabilities.shape[1],
      cam,
    };
  } finally {
    tf.dispose([probabilities, maps].filter((tensor) => tensor !== undefined));
  }
}

/** Grad-CAM of the image as it is (the identity view), also for a model scored under test-time views. */
async function explain({ versionId, image, classIndex }: ExplainRequest): Promise<ExplainResult> {
  const model = modelOf(versionId);
  // Kept once built: a version that needed one heatmap is likely to need more.
  model.tfjs ??= await buildTfjs(model.artifact);
  const [height, width] = model.inputSize;
  const input = tf.tensor4d(image, [1, height, width, 3]);
  try {
    const explanation = explainPrediction(model.tfjs.layers, input, classIndex);
    return {
      method: explanation.method,
      values: explanation.maps[0],
      height: explanation.height,
      width: explanation.width,
    };
  } finally {
    input.dispose();
  }
}

async function handle(request: WorkerEnvelope): Promise<WorkerResults[WorkerEnvelope['type']]> {
  switch (request.type) {
    case 'load':
      return load(request);
    case 'unload':
      return unload(request.versionId);
    case 'predict':
      return predict(request);
    case 'explain':
      return explain(request);
  }
}

function serve(port: MessagePort, init: WorkerInit): void {
  // Results are small (probabilities, a coarse heatmap): copied, never transferred, so no buffer a backend
  // still owns can be detached.
  const post = (message: WorkerMessage) => port.postMessage(message);
  initBackend({ preferred: init.backend, logger: () => undefined }).then(
    (backend) => {
      port.on('message', (request: WorkerEnvelope) => {
        handle(request).then(
          (result) => post({ type: 'done', id: request.id, result }),
          (error: unknown) =>
            post({
              type: 'error',
              id: request.id,
              error:
                error instanceof Error
                  ? { name: error.name, message: error.message }
                  : { name: 'Error', message: String(error) },
            }),
        );
      });
      post({ type: 'ready', backend });
    },
    (error: unknown) =>
      post({ type: 'failed-to-start', error: error instanceof Error ? error.message : String(error) }),
  );
}

if (parentPort !== null) serve(parentPort, workerData as WorkerInit);
