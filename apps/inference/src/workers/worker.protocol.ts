import type * as tf from '@tensorflow/tfjs-core';
import { type BackendInfo, type BackendName } from '@linescope/vision/backend';
import { type ClassActivationMaps } from '@linescope/vision/explain';
import { type TestTimeView } from '@linescope/vision/test-time';

/** What a worker is started with (`workerData`). */
export interface WorkerInit {
  workerId: number;
  /** undefined: the best backend installed (tensorflow, else wasm). */
  backend: BackendName | undefined;
}

/** A model as tfjs reads it from memory: the JSON topology and the verified weight bytes. */
export interface ModelArtifactBytes {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  /** [height, width] of the input, for the warm-up batch. */
  inputSize: [number, number];
  /** The manifest's test-time views: each image is scored under every one, the probabilities averaged. */
  testTimeViews: TestTimeView[];
}

/** An ONNX export of the same weights, and how its ONNX Runtime session runs. */
export interface OnnxModelBytes {
  bytes: Uint8Array;
  /** Intra-op threads of the session. */
  threads: number;
}

/**
 * With `onnx`, the worker scores with an ONNX Runtime session and builds the TensorFlow.js model only when an
 * explanation (Grad-CAM needs gradients) is first asked for; without it, TensorFlow.js does everything.
 */
export interface LoadRequest {
  type: 'load';
  versionId: string;
  artifact: ModelArtifactBytes;
  onnx?: OnnxModelBytes;
}

export interface UnloadRequest {
  type: 'unload';
  versionId: string;
}

export interface PredictRequest {
  type: 'predict';
  versionId: string;
  /** `count` preprocessed images, NHWC float32, concatenated. */
  images: Float32Array;
  count: number;
}

export interface ExplainRequest {
  type: 'explain';
  versionId: string;
  /** One preprocessed image, HWC float32. */
  image: Float32Array;
  classIndex: number;
}

export type WorkerRequest = LoadRequest | UnloadRequest | PredictRequest | ExplainRequest;

/** Which engine computes a version's forward passes in the workers. */
export type WorkerEngine = 'onnx' | 'tfjs';

export interface LoadResult {
  engine: WorkerEngine;
  loadMs: number;
  warmMs: number;
  fusedLayers: number;
}

export interface PredictResult {
  /** `count x classes` softmax probabilities, row-major. */
  probabilities: Float32Array;
  classes: number;
  forwardMs: number;
  /**
   * The class activation maps of the `count` images ([count, h, w, classes]) when the serving graph outputs them
   * (a GAP CNN scored on the image alone); a few hundred bytes an image, so returned for every image and kept by
   * the scoring service for flagged verdicts only.
   */
  cam: ClassActivationMaps | null;
}

export interface ExplainResult {
  method: string;
  values: Float32Array;
  height: number;
  width: number;
}

export interface WorkerResults {
  load: LoadResult;
  unload: { unloaded: boolean };
  predict: PredictResult;
  explain: ExplainResult;
}

/** A request with the id its answer carries. */
export type WorkerEnvelope = WorkerRequest & { id: number };

export type WorkerMessage =
  | { type: 'ready'; backend: BackendInfo }
  | { type: 'failed-to-start'; error: string }
  | { type: 'done'; id: number; result: WorkerResults[WorkerRequest['type']] }
  | { type: 'error'; id: number; error: { name: string; message: string } };
