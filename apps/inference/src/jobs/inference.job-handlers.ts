import { Injectable } from '@nestjs/common';
import { InspectionRepository } from '@linescope/db';
import { VerdictRecorder } from '@linescope/inspections';
import { JobQueue, type JobHandlerMap } from '@linescope/queue';
import { DataSource } from 'typeorm';

/**
 * Every job kind the inference service works, in one place.
 * Each handler re-reads the inspection and acts only if the job still applies.
 * Model serving itself is the inference-service capability (issue 5); until a model is served here, an
 * inspection with no model to score it is marked failed with that reason, and one that has a model is retried.
 */
@Injectable()
export class InferenceJobHandlers {
  private readonly inspections: InspectionRepository;
  private readonly recorder: VerdictRecorder;

  constructor(dataSource: DataSource, queue: JobQueue) {
    this.inspections = new InspectionRepository(dataSource);
    this.recorder = new VerdictRecorder(dataSource, queue);
  }

  handlers(): JobHandlerMap<'inference'> {
    return {
      'score-inspection': async ({ inspectionId }) => {
        const inspection = await this.inspections.findById(inspectionId);
        if (!inspection) return { status: 'skipped', reason: 'inspection no longer exists' };
        if (inspection.status !== 'pending')
          return { status: 'skipped', reason: `inspection is ${inspection.status}` };
        const model = await this.inspections.findServingModel(inspection.lineId);
        if (!model) {
          await this.recorder.fail(inspectionId, 'no model version serves this line', { notifyWebhook: true });
          return { status: 'done', detail: { verdict: null, reason: 'no model' } };
        }
        throw new Error(`model ${model.id} cannot be served by this build: no scoring engine is installed`);
      },
      'render-heatmap': async ({ inspectionId }) => {
        const inspection = await this.inspections.findById(inspectionId);
        if (!inspection) return { status: 'skipped', reason: 'inspection no longer exists' };
        if (inspection.verdict !== 'defect' && inspection.verdict !== 'uncertain')
          return {
            status: 'skipped',
            reason: 'heatmaps are rendered for defect and uncertain verdicts only',
          };
        if (inspection.heatmapKey) return { status: 'skipped', reason: 'heatmap already rendered' };
        throw new Error('no explanation engine is installed in this build');
      },
    };
  }
}
