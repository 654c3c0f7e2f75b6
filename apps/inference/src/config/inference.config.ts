import { availableParallelism } from 'node:os';
import { ConfigError } from '@linescope/config';
import { z } from 'zod';

/** Which TensorFlow.js backend the workers compute on; `auto` is tensorflow when installed, else wasm. */
export const INFERENCE_BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type InferenceBackend = (typeof INFERENCE_BACKENDS)[number];

/**
 * Which engine scores a model version: `auto` is ONNX Runtime when it is installed and the version has an ONNX
 * artifact, else TensorFlow.js; `onnx` refuses a version without one; `tfjs` never uses ONNX Runtime.
 */
export const INFERENCE_ENGINES = ['auto', 'onnx', 'tfjs'] as const;
export type InferenceEngineMode = (typeof INFERENCE_ENGINES)[number];

/** The inference service's own settings, beside the platform's `AppConfig`. */
export interface InferenceConfig {
  backend: InferenceBackend;
  engine: InferenceEngineMode;
  /** Intra-op threads of each ONNX Runtime session (one session per worker per model). */
  onnxThreads: number;
  /** Largest micro-batch of a version scored by ONNX Runtime (`maxBatch` is TensorFlow.js's). */
  onnxMaxBatch: number;
  /** Worker threads, each with its own backend and its own copy of every served model. */
  workers: number;
  /** Largest micro-batch sent to a worker. 1 scores one image at a time. */
  maxBatch: number;
  /** How long the first image of a batch waits for others before the batch is closed. */
  maxWaitMs: number;
  /** Fallback poll of `model_versions` and `production_lines` when a notification is missed. */
  modelPollMs: number;
  /** Shadow images waiting beyond this are dropped (counted), so a slow candidate never builds a backlog. */
  shadowMaxPending: number;
  /** Concurrent `score-inspection` jobs per instance: enough to fill a micro-batch from the queue. */
  jobConcurrency: number;
}

/**
 * ONNX Runtime on the CPU computes a batch of n images in about n times one image's time (measured with
 * bench/inference: no gain per image, in forward time or in CPU per image, from batches of up to 4), so batching
 * only makes images wait for each other: it scores one image at a time unless told otherwise.
 */
const ONNX_DEFAULT_MAX_BATCH = 1;

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const inferenceEnvironmentSchema = z.object({
  TF_BACKEND: z.enum(INFERENCE_BACKENDS).default('auto'),
  INFERENCE_ENGINE: z.enum(INFERENCE_ENGINES).default('auto'),
  INFERENCE_WORKERS: count(1, 64).optional(),
  INFERENCE_MAX_BATCH: count(1, 256).default(8),
  INFERENCE_ONNX_THREADS: count(1, 64).default(1),
  INFERENCE_ONNX_MAX_BATCH: count(1, 256).default(ONNX_DEFAULT_MAX_BATCH),
  INFERENCE_MAX_WAIT_MS: z.coerce.number().min(0).max(1_000).default(2),
  INFERENCE_MODEL_POLL_MS: count(100, 3_600_000).default(5_000),
  INFERENCE_SHADOW_MAX_PENDING: count(0, 100_000).default(64),
  INFERENCE_JOB_CONCURRENCY: count(1, 256).optional(),
});

/**
 * Parses the INFERENCE_* variables (and TF_BACKEND, which the GPU image sets); every problem in one line.
 * Native TensorFlow spreads one forward pass over every core by itself, so it defaults to one worker;
 * the single-threaded wasm and cpu backends default to one worker per core, and so does ONNX Runtime with its
 * default of one thread per session (sessions side by side scale better than threads within one run).
 */
export function loadInferenceConfig(env: NodeJS.ProcessEnv = process.env): InferenceConfig {
  const result = inferenceEnvironmentSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const parsed = result.data;
  const workers =
    parsed.INFERENCE_WORKERS ?? (parsed.TF_BACKEND === 'tensorflow' ? 1 : availableParallelism());
  return {
    backend: parsed.TF_BACKEND,
    engine: parsed.INFERENCE_ENGINE,
    onnxThreads: parsed.INFERENCE_ONNX_THREADS,
    onnxMaxBatch: parsed.INFERENCE_ONNX_MAX_BATCH,
    workers,
    maxBatch: parsed.INFERENCE_MAX_BATCH,
    maxWaitMs: parsed.INFERENCE_MAX_WAIT_MS,
    modelPollMs: parsed.INFERENCE_MODEL_POLL_MS,
    shadowMaxPending: parsed.INFERENCE_SHADOW_MAX_PENDING,
    jobConcurrency: parsed.INFERENCE_JOB_CONCURRENCY ?? Math.max(2, 2 * workers),
  };
}
