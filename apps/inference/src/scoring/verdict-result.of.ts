import { type LatencyBreakdown } from '@linescope/db';
import { type VerdictRecorder } from '@linescope/inspections';
import { type Prediction } from './prediction.types';

/**
 * What the recorder writes for a prediction, whoever records it (the late `/predict` answer or the scoring job): the
 * stages the caller measured before scoring kept, the engine's timings added.
 */
export function verdictResultOf(
  prediction: Prediction,
  priorLatency: Partial<LatencyBreakdown> | null = null,
): Parameters<VerdictRecorder['record']>[1] {
  return {
    verdict: prediction.verdict,
    score: prediction.score,
    probabilities: prediction.probabilities,
    modelVersionId: prediction.modelVersionId,
    latency: { ...priorLatency, ...prediction.timing, engine: prediction.engine },
  };
}
