import { type BenchBackend, type BenchMode, type InferenceBatch, type InferencePath } from './bench.catalog';
import { type Throughput } from './throughput.measure';

/** Messages between vision.bench.ts and bench.worker.ts (each worker thread has its own TensorFlow.js). */

export interface MeasureJob {
  kind: 'measure';
  modelIndex: number;
  backend: BenchBackend;
  mode: BenchMode;
  inference: Array<{ path: InferencePath; batch: InferenceBatch }>;
  /** Training batch sizes measured, in this order (after the inference). */
  trainingBatches: number[];
}

/** The two engines of the two-core rows: TensorFlow.js on wasm, and ONNX Runtime (the service's native path). */
export type ServeEngine = 'tfjs-wasm' | 'onnxruntime';

/** Serves batches until told to stop: one of the workers of the two-core row. */
export interface ServeLoopJob {
  kind: 'serve-loop';
  modelIndex: number;
  batch: number;
  engine: ServeEngine;
}

export type WorkerJob = MeasureJob | ServeLoopJob;

export type WorkerReport =
  | { kind: 'described'; flopsPerImage: number; trainableParams: number }
  | { kind: 'inference'; path: InferencePath; throughput: Throughput }
  | { kind: 'training'; throughput: Throughput }
  | { kind: 'ready' }
  | { kind: 'served'; images: number; elapsedMs: number }
  | { kind: 'done' };

/** Main → serve-loop worker: serve for `durationMs` from now. */
export interface ServeCommand {
  durationMs: number;
}
