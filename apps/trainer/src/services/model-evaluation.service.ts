import { Inject, Injectable } from '@nestjs/common';
import { ModelVersionRepository } from '@linescope/db';
import { LOGGER, OBJECT_STORE } from '@linescope/platform';
import { type JobOutcome } from '@linescope/queue';
import { type ObjectStore } from '@linescope/storage';
import {
  defectScoring,
  defectScores,
  loadImageCache,
  predictProbabilities,
  splitMetrics,
} from '@linescope/training/engine';
import { classificationReport, verdictCounts } from '@linescope/training/metrics';
import { loadModelArtifact } from '@linescope/vision/artifacts';
import { type Logger } from 'pino';
import { LabelSetService } from './label-set.service';

/**
 * Scores a registered model version on a frozen label set (by default: the QA reviews made since the model was
 * registered, which it has never seen) and appends the result to the version's metrics, so candidates can be
 * compared on the same fresh data before promotion.
 */
@Injectable()
export class ModelEvaluationService {
  constructor(
    private readonly models: ModelVersionRepository,
    private readonly labelSets: LabelSetService,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async evaluate(modelVersionId: string, labelSetId: string | undefined): Promise<JobOutcome> {
    const version = await this.models.findById(modelVersionId);
    if (!version) return { status: 'skipped', reason: 'model version is gone' };
    const frozen = labelSetId
      ? await this.labelSets.load(labelSetId)
      : await this.labelSets.freezeFromReviews({
          name: `evaluation-${modelVersionId}`,
          reviewedBefore: new Date(),
          reviewedAfter: version.createdAt,
        });
    const { model, manifest } = await loadModelArtifact(this.store, version.artifactKey);
    try {
      const known = frozen.samples.filter((s) => manifest.classNames.includes(s.className));
      if (known.length === 0)
        return { status: 'skipped', reason: 'the label set has no sample of the model classes' };
      const cache = await loadImageCache(
        known.map((s) => ({ path: s.key })),
        manifest.preprocessing,
        { readImage: (key) => this.store.get(key) },
      );
      const labels = known.map((s) => manifest.classNames.indexOf(s.className));
      const probabilities = await predictProbabilities(
        model,
        { cache, labels, normalization: manifest.preprocessing.normalization },
        labels.map((_, i) => i),
        16,
        manifest.testTimeViews,
      );
      const scoring = defectScoring(manifest.classNames, manifest.positiveClasses);
      const summary = splitMetrics(probabilities, labels, scoring);
      const report = classificationReport(probabilities, labels, manifest.classNames);
      const verdicts = scoring
        ? verdictCounts(
            defectScores(probabilities, scoring),
            labels.map((label) => (scoring.positive[label] ? 1 : 0)),
            manifest.operatingPoint.threshold,
            manifest.operatingPoint.uncertainBand,
          )
        : null;
      const evaluation = {
        labelSetId: frozen.labelSetId,
        samples: known.length,
        at: new Date().toISOString(),
        ...summary,
        macroF1: report.macro.f1,
        verdicts,
      };
      await this.models.appendEvaluation(modelVersionId, evaluation);
      this.logger.info({ modelVersionId, ...summary }, 'model evaluated');
      return { status: 'done', detail: { labelSetId: frozen.labelSetId, accuracy: summary.accuracy } };
    } finally {
      model.dispose();
    }
  }
}
