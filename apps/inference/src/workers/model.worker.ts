import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@linescope/vision/backend';
import { explainPrediction } from '@linescope/vision/explain';
// The zoo import also registers the custom layer classes (ViT, fast batch norm) that model.json may name.
import { logitsToProbabilities } from '@linescope/vision/models';
import { compileForServing, type ServingModel } from '@linescope/vision/serving';
import {
  type ExplainRequest,
  type ExplainResult,
  type LoadRequest,
  type LoadResult,
  type PredictRequest,
  type PredictResult,
  type WorkerEnvelope,
  type WorkerInit,
  type WorkerMessage,
  type WorkerResults,
} from './worker.protocol';

/**
 * One forward-pass thread: its own TensorFlow.js backend and its own copy of every served model (the layers
 * model, kept for Grad-CAM, and its compiled serving graph). Several versions live side by side during a swap.
 */
interface WorkerModel {
  layers: tfl.LayersModel;
  serving: ServingModel;
  inputSize: [number, number];
}

const models = new Map<string, WorkerModel>();

function modelOf(versionId: string): WorkerModel {
  const model = models.get(versionId);
  if (model === undefined) throw new Error(`model ${versionId} is not loaded in this worker`);
  return model;
}

async function load({ versionId, artifact }: LoadRequest): Promise<LoadResult> {
  const started = performance.now();
  if (models.has(versionId)) return { loadMs: 0, warmMs: 0, fusedLayers: 0 };
  const layers = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: artifact.modelTopology,
      weightSpecs: artifact.weightSpecs,
      weightData: artifact.weightData,
    }),
  );
  const serving = compileForServing(layers);
  const loaded = performance.now();
  const [height, width] = artifact.inputSize;
  tf.tidy(() => serving.predict(tf.zeros([1, height, width, 3]))).dispose();
  models.set(versionId, { layers, serving, inputSize: artifact.inputSize });
  return {
    loadMs: loaded - started,
    warmMs: performance.now() - loaded,
    fusedLayers: serving.summary.fusedLayers,
  };
}

function unload(versionId: string): { unloaded: boolean } {
  const model = models.get(versionId);
  if (model === undefined) return { unloaded: false };
  models.delete(versionId);
  model.serving.dispose();
  model.layers.dispose();
  return { unloaded: true };
}

async function predict({ versionId, images, count }: PredictRequest): Promise<PredictResult> {
  const model = modelOf(versionId);
  const started = performance.now();
  const [height, width] = model.inputSize;
  const probabilities = tf.tidy(() =>
    logitsToProbabilities(model.serving.predict(tf.tensor4d(images, [count, height, width, 3]))),
  );
  try {
    const values = (await probabilities.data()) as Float32Array;
    return { probabilities: values, classes: probabilities.shape[1], forwardMs: performance.now() - started };
  } finally {
    probabilities.dispose();
  }
}

function explain({ versionId, image, classIndex }: ExplainRequest): ExplainResult {
  const model = modelOf(versionId);
  const [height, width] = model.inputSize;
  const input = tf.tensor4d(image, [1, height, width, 3]);
  try {
    const explanation = explainPrediction(model.layers, input, classIndex);
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
