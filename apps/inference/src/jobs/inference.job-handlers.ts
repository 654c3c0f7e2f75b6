import { Inject, Injectable } from '@nestjs/common';
import { InspectionRepository } from '@linescope/db';
import { VerdictRecorder } from '@linescope/inspections';
import { OBJECT_STORE } from '@linescope/platform';
import { type JobHandlerMap, type JobOutcome } from '@linescope/queue';
import { ObjectNotFoundError, type ObjectStore } from '@linescope/storage';
import { isImageDecodeError } from '@linescope/vision/preprocess';
import { InferenceRuntime } from '../inference.runtime';
import { NoModelError } from '../scoring/scoring.errors';

/**
 * Every job kind the inference service works, in one place.
 * Each handler re-reads the inspection and acts only if the job still applies. An inspection that can never be
 * scored (no model serves its line, its image is gone or cannot be decoded) is marked failed with the reason;
 * anything that may pass later (a model still loading, storage down) throws, and the queue retries.
 */
@Injectable()
export class InferenceJobHandlers {
  constructor(
    private readonly inspections: InspectionRepository,
    private readonly recorder: VerdictRecorder,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(InferenceRuntime) private readonly runtime: InferenceRuntime,
  ) {}

  handlers(): JobHandlerMap<'inference'> {
    return {
      'score-inspection': ({ inspectionId }) => this.scoreInspection(inspectionId),
      'render-heatmap': async ({ inspectionId }) => {
        const inspection = await this.inspections.findById(inspectionId);
        if (!inspection) return { status: 'skipped', reason: 'inspection no longer exists' };
        if (inspection.verdict !== 'defect' && inspection.verdict !== 'uncertain')
          return {
            status: 'skipped',
            reason: 'heatmaps are rendered for defect and uncertain verdicts only',
          };
        if (inspection.heatmapKey) return { status: 'skipped', reason: 'heatmap already rendered' };
        const outcome = await this.runtime.heatmaps.render(inspection);
        return outcome.status === 'rendered'
          ? { status: 'done', detail: { heatmapKey: outcome.key, method: outcome.method } }
          : outcome;
      },
    };
  }

  private async scoreInspection(inspectionId: string): Promise<JobOutcome> {
    const inspection = await this.inspections.findById(inspectionId);
    if (!inspection) return { status: 'skipped', reason: 'inspection no longer exists' };
    if (inspection.status !== 'pending')
      return { status: 'skipped', reason: `inspection is ${inspection.status}` };
    const fail = async (reason: string): Promise<JobOutcome> => {
      await this.recorder.fail(inspectionId, reason, { notifyWebhook: true });
      return { status: 'done', detail: { verdict: null, reason } };
    };

    let bytes: Buffer;
    try {
      bytes = await this.store.get(inspection.imageKey);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return fail('the image is no longer stored');
      throw error;
    }
    let scored;
    try {
      scored = await this.runtime.scoring.score(bytes, { lineId: inspection.lineId, source: 'job' });
    } catch (error) {
      if (error instanceof NoModelError) return fail('no model version serves this line');
      if (isImageDecodeError(error))
        return fail(`the image cannot be decoded (${error.code}): ${error.message}`);
      throw error;
    }

    const { prediction, context } = scored;
    const outcome = await this.recorder.record(
      inspectionId,
      {
        verdict: prediction.verdict,
        score: prediction.score,
        probabilities: prediction.probabilities,
        modelVersionId: prediction.modelVersionId,
        latency: { ...inspection.latency, ...prediction.timing, engine: prediction.engine },
      },
      { notifyWebhook: true },
    );
    if (outcome === 'recorded') await this.runtime.recordShadow(inspectionId, context);
    return {
      status: 'done',
      detail: {
        verdict: prediction.verdict,
        score: prediction.score,
        modelVersionId: prediction.modelVersionId,
        outcome,
      },
    };
  }
}
