import { Inject, Injectable } from '@nestjs/common';
import { AWAITING_MODEL_REASON, DatabaseTransactions, InspectionRepository } from '@linescope/db';
import { VerdictRecorder } from '@linescope/inspections';
import { OBJECT_STORE } from '@linescope/platform';
import { JobQueue, type JobHandlerMap, type JobOutcome } from '@linescope/queue';
import { ObjectNotFoundError, type ObjectStore } from '@linescope/storage';
import { isImageDecodeError } from '@linescope/vision/preprocess';
import { InferenceRuntime } from '../inference.runtime';
import { NoModelError } from '../scoring/scoring.errors';
import { verdictResultOf } from '../scoring/verdict-result.of';

/** Inspections re-opened per transaction by `score-awaiting-model`. */
const REOPEN_BATCH = 500;

/**
 * Every job kind the inference service works, in one place.
 * Each handler re-reads the inspection and acts only if the job still applies. An inspection that can never be
 * scored (its image is gone or cannot be decoded) is marked failed with the reason; one whose line no model serves
 * yet stays pending with the reason and is scored once a model is promoted (`score-awaiting-model`); anything that
 * may pass later (a model still loading, storage down) throws, and the queue retries.
 */
@Injectable()
export class InferenceJobHandlers {
  constructor(
    private readonly inspections: InspectionRepository,
    private readonly recorder: VerdictRecorder,
    private readonly transactions: DatabaseTransactions,
    private readonly queue: JobQueue,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(InferenceRuntime) private readonly runtime: InferenceRuntime,
  ) {}

  handlers(): JobHandlerMap<'inference'> {
    return {
      'score-inspection': ({ inspectionId }) => this.scoreInspection(inspectionId),
      'score-awaiting-model': () => this.scoreAwaitingModel(),
      'render-heatmap': async ({ inspectionId }) => {
        const outcome = await this.runtime.heatmaps.renderMissing(inspectionId);
        switch (outcome.status) {
          case 'rendered':
            return { status: 'done', detail: { heatmapKey: outcome.key, method: outcome.method } };
          case 'exists':
            return { status: 'skipped', reason: 'heatmap already rendered' };
          case 'not-found':
            return { status: 'skipped', reason: 'inspection no longer exists' };
          case 'not-applicable':
            return { status: 'skipped', reason: outcome.reason };
        }
      },
    };
  }

  /** Queues a scoring job for every inspection that waited for a model its line now has, a batch at a time. */
  private async scoreAwaitingModel(): Promise<JobOutcome> {
    let requeued = 0;
    for (;;) {
      const ids = await this.transactions.run(async (tx) => {
        const reopened = await tx.get(InspectionRepository).reopenAwaitingModel(REOPEN_BATCH);
        for (const inspectionId of reopened)
          await this.queue.send('score-inspection', { inspectionId }, { db: tx.jobs });
        return reopened;
      });
      requeued += ids.length;
      if (ids.length < REOPEN_BATCH) return { status: 'done', detail: { requeued } };
    }
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
      if (error instanceof NoModelError) {
        await this.inspections.markAwaitingModel(inspectionId);
        return { status: 'skipped', reason: `${AWAITING_MODEL_REASON}: scored once a model is promoted` };
      }
      if (isImageDecodeError(error))
        return fail(`the image cannot be decoded (${error.code}): ${error.message}`);
      throw error;
    }

    const { prediction, context, heatmap } = scored;
    if (heatmap !== null) await this.runtime.heatmaps.storeForVerdict(inspectionId, bytes, heatmap);
    const outcome = await this.recorder.record(
      inspectionId,
      verdictResultOf(prediction, inspection.latency),
      {
        notifyWebhook: true,
      },
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
