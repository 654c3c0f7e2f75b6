import { type ModelManifest } from '@linescope/vision/artifacts';
import { camHeatmap, type Heatmap } from '@linescope/vision/explain';
import { type DecisionRule, resolveDecisionRule, type Verdict, verdictFor } from '@linescope/verdict';
import { type MicroBatcher } from '../batching/micro.batcher';
import { type InferenceMetrics } from '../metrics/inference.metrics';
import { type LineSettingsCache } from '../models/line-settings.cache';
import { type ModelLease, type ModelRegistry } from '../models/model.registry';
import { type LineSettings } from '../repositories/serving-set.repository';
import { defectScore, explainedClassIndex } from './defect.score';
import { type PreparedImage, prepareImage } from './image.prepare';
import { type Prediction } from './prediction.types';
import { ModelUnavailableError, NoModelError, UnknownLineError } from './scoring.errors';

export interface ScoringDependencies {
  lineSettings: Pick<LineSettingsCache, 'get'>;
  registry: ModelRegistry;
  batcher: MicroBatcher;
  metrics: InferenceMetrics;
  /** Decompression-bomb guard when a model's preprocessing sets none. */
  maxImagePixels: number;
}

/** What shadow scoring needs after the answer has left: the image, what production saw and answered. */
export interface ScoringContext {
  bytes: Buffer;
  prepared: PreparedImage;
  line: LineSettings | null;
  production: { modelVersionId: string; verdict: Verdict; score: number };
}

export interface ScoredImage {
  prediction: Prediction;
  context: ScoringContext;
  /**
   * A DEFECT or UNCERTAIN image's heatmap from its forward pass (the class activation map of its most probable
   * defect class), when the version's serving graph outputs one; else null (the Grad-CAM job renders it).
   */
  heatmap: { map: Heatmap; preprocessing: ModelManifest['preprocessing'] } | null;
}

export type PredictionSource = 'http' | 'job';

/** The score and verdict of one image under a decision rule. */
export function decide(
  probabilities: Float32Array,
  lease: ModelLease,
  line: LineSettings | null,
): { score: number; byClass: Record<string, number>; verdict: Verdict; rule: DecisionRule } {
  const { manifest, thresholds } = lease.model;
  const { score, byClass } = defectScore(probabilities, manifest);
  const rule = resolveDecisionRule(manifest.operatingPoint, thresholds, line);
  return { score, byClass, verdict: verdictFor(score, rule.threshold, rule.band), rule };
}

/**
 * The one scoring path, for `POST /predict` and `score-inspection` jobs alike: the line's model (its override,
 * else production), the model's own preprocessing, a micro-batched forward pass, the defect score, and the
 * verdict from the model's threshold and band with the line's overrides on top.
 */
export class ScoringService {
  constructor(private readonly deps: ScoringDependencies) {}

  async score(
    bytes: Buffer,
    options: { lineId?: string | null; source: PredictionSource },
  ): Promise<ScoredImage> {
    const started = performance.now();
    const { registry, batcher, metrics, lineSettings } = this.deps;
    await registry.whenInitialised();
    const line = options.lineId ? await lineSettings.get(options.lineId) : null;
    if (options.lineId && line === null) throw new UnknownLineError(options.lineId);
    const lease = await this.leaseFor(line);
    try {
      const { model } = lease;
      const { engine } = model;
      const prepared = await prepareImage(bytes, model.manifest.preprocessing, this.deps.maxImagePixels);
      const batched = await batcher.submit(model.versionId, prepared.input);
      const { score, byClass, verdict, rule } = decide(batched.probabilities, lease, line);
      metrics.predictions.inc({ model_version: model.versionId, verdict, engine, source: options.source });
      const prediction: Prediction = {
        modelVersionId: model.versionId,
        verdict,
        score,
        probabilities: byClass,
        engine,
        timing: {
          engine,
          decodeMs: round(prepared.decodeMs),
          preprocessMs: round(prepared.preprocessMs),
          queueMs: round(batched.queueMs),
          forwardMs: round(batched.forwardMs),
          totalMs: round(performance.now() - started),
        },
        decision: { threshold: rule.threshold, uncertainLow: rule.band.low, uncertainHigh: rule.band.high },
        batch: { size: batched.batchSize, worker: batched.workerId },
      };
      const heatmap =
        verdict === 'ok' || batched.cam === null
          ? null
          : {
              map: camHeatmap(batched.cam, 0, explainedClassIndex(model.manifest, byClass)),
              preprocessing: model.manifest.preprocessing,
            };
      return {
        prediction,
        context: { bytes, prepared, line, production: { modelVersionId: model.versionId, verdict, score } },
        heatmap,
      };
    } finally {
      lease.release();
    }
  }

  private async leaseFor(line: LineSettings | null): Promise<ModelLease> {
    const { registry } = this.deps;
    const overrideId = line?.modelVersionId;
    if (overrideId) {
      let lease = registry.leaseServing(overrideId);
      if (lease === null && registry.failureOf(overrideId) === undefined) {
        // Set on the line after the last sync: load it now rather than wait for the poll.
        await registry.requestSync(`line ${line.id} is scored by ${overrideId}`);
        lease = registry.leaseServing(overrideId);
      }
      if (lease !== null) return lease;
      const failure = registry.failureOf(overrideId);
      throw new ModelUnavailableError(
        `model version ${overrideId}, the override of line ${line.id}, is not loaded${failure ? `: ${failure}` : ''}`,
      );
    }
    const lease = registry.leaseProduction();
    if (lease !== null) return lease;
    const readiness = registry.readiness();
    if (!readiness.ready) throw new ModelUnavailableError(readiness.reason);
    throw new NoModelError();
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
