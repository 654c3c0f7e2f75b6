import { type Verdict } from '@linescope/db';

/** Milliseconds of each stage; stored as the inspection's latency breakdown. */
export interface PredictionTiming {
  /** What computed `forwardMs`: `onnxruntime-cpu`, `tfjs-wasm`... */
  engine: string;
  decodeMs: number;
  preprocessMs: number;
  /** Waiting for a micro-batch to reach a worker. */
  queueMs: number;
  forwardMs: number;
  totalMs: number;
}

/** The answer to `POST /predict` (the API's `PredictResponse`, plus the rule and the batch it came from). */
export interface Prediction {
  modelVersionId: string;
  verdict: Verdict;
  /** Defect score in [0, 1]: the summed probability of the positive classes. */
  score: number;
  probabilities: Record<string, number>;
  /** The engine of the version that scored the image: `onnxruntime-cpu`, `tfjs-wasm`... */
  engine: string;
  timing: PredictionTiming;
  /** The threshold and band that decided, after the line's overrides. */
  decision: { threshold: number; uncertainLow: number; uncertainHigh: number };
  batch: { size: number; worker: number };
}
