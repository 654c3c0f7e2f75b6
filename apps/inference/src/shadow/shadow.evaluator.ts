import { type ShadowResultRepository, type Verdict } from '@linescope/db';
import { type Logger } from 'pino';
import { type MicroBatcher, ShadowBacklogFullError } from '../batching/micro.batcher';
import { type InferenceMetrics } from '../metrics/inference.metrics';
import { type ModelLease, type ModelRegistry } from '../models/model.registry';
import { prepareImage, sameInput } from '../scoring/image.prepare';
import { decide, type ScoringContext } from '../scoring/scoring.service';

export interface ShadowEvaluatorDependencies {
  results: ShadowResultRepository;
  registry: ModelRegistry;
  batcher: MicroBatcher;
  metrics: InferenceMetrics;
  logger: Logger;
  maxImagePixels: number;
}

export type ShadowOutcome =
  | { modelVersionId: string; status: 'recorded'; verdict: Verdict; score: number; agrees: boolean }
  | { modelVersionId: string; status: 'dropped'; reason: string };

/**
 * Scores an image that production has already answered with every shadow candidate, at the batcher's lowest
 * priority, and records both answers in `shadow_results`. It runs after the answer is sent and cannot change
 * it; failures are logged and counted, never thrown. A shadow verdict uses the candidate's own threshold and
 * band with the line's overrides on top: what it would answer if it were promoted.
 */
export class ShadowEvaluator {
  constructor(private readonly deps: ShadowEvaluatorDependencies) {}

  /** True when a shadow candidate is served, i.e. when calling `evaluate` does anything. */
  active(): boolean {
    return this.deps.registry.hasShadows();
  }

  async evaluate(inspectionId: string, context: ScoringContext): Promise<ShadowOutcome[]> {
    const leases: ModelLease[] = [];
    for (const lease of this.deps.registry.leaseShadows()) {
      // A line may be scored by a version that is also a shadow candidate: it would only agree with itself.
      if (lease.model.versionId === context.production.modelVersionId) lease.release();
      else leases.push(lease);
    }
    return Promise.all(
      leases.map(async (lease) => {
        try {
          return await this.evaluateOne(lease, inspectionId, context);
        } finally {
          lease.release();
        }
      }),
    );
  }

  private async evaluateOne(
    lease: ModelLease,
    inspectionId: string,
    context: ScoringContext,
  ): Promise<ShadowOutcome> {
    const { batcher, metrics, logger, results } = this.deps;
    const modelVersionId = lease.model.versionId;
    try {
      const spec = lease.model.manifest.preprocessing;
      const input = sameInput(spec, context.prepared.spec)
        ? context.prepared.input
        : (await prepareImage(context.bytes, spec, this.deps.maxImagePixels)).input;
      const batched = await batcher.submit(modelVersionId, input, 'shadow');
      const { score, verdict } = decide(batched.probabilities, lease, context.line);
      const { production } = context;
      await results.insertOnce({
        inspectionId,
        modelVersionId,
        verdict,
        score,
        productionModelVersionId: production.modelVersionId,
        productionVerdict: production.verdict,
        productionScore: production.score,
      });
      const agrees = verdict === production.verdict;
      metrics.shadowResults.inc({ model_version: modelVersionId, agreement: agrees ? 'agree' : 'disagree' });
      return { modelVersionId, status: 'recorded', verdict, score, agrees };
    } catch (error) {
      const backlog = error instanceof ShadowBacklogFullError;
      metrics.shadowDropped.inc({ reason: backlog ? 'backlog' : 'error' });
      if (!backlog) logger.warn({ err: error, inspectionId, modelVersionId }, 'shadow scoring failed');
      return {
        modelVersionId,
        status: 'dropped',
        reason: error instanceof Error ? error.message : String(error),
      };
    }
  }
}
