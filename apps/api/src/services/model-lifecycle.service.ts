import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG } from '@linescope/platform';
import {
  AuditRepository,
  DatabaseTransactions,
  type ModelStage,
  type ModelVersionEntity,
  ModelVersionRepository,
  ShadowResultRepository,
  TrainingJobRepository,
  type Transaction,
  VERDICTS,
  type Verdict,
} from '@linescope/db';
import { type UserPrincipal } from '../auth/principals';
import {
  type EpochCurvePointDto,
  type EvaluationDetailDto,
  type ModelConfigDto,
  type ModelCurvesDto,
  type ModelEvaluationDto,
  type ModelVersionDto,
  type QuantizationDto,
  type ShadowReportDto,
  mapModelVersion,
} from '../dtos/model.dto';
import { ApiError } from '../errors/api-error';

/**
 * Promotion, rollback and shadow evaluation. Each change is one transaction: stages, history, audit event and the
 * notification to inference instances (PostgreSQL delivers NOTIFY at commit, so nobody hears of a change that
 * did not happen).
 */
@Injectable()
export class ModelLifecycleService {
  constructor(
    private readonly models: ModelVersionRepository,
    private readonly shadowResults: ShadowResultRepository,
    private readonly trainingJobs: TrainingJobRepository,
    private readonly transactions: DatabaseTransactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(stage?: ModelStage): Promise<ModelVersionDto[]> {
    const models = await this.models.list(stage);
    return models.map(mapModelVersion);
  }

  async get(id: string): Promise<ModelVersionDto> {
    return mapModelVersion(await requireModel(this.models, id));
  }

  /** Per-epoch loss, accuracy and learning rate of the job that trained the version. */
  async curves(id: string): Promise<ModelCurvesDto> {
    const model = await requireModel(this.models, id);
    const epochs = model.trainingJobId ? await this.trainingJobs.findEpochs(model.trainingJobId) : [];
    const bestEpoch = model.metrics.bestEpoch;
    return {
      modelVersionId: id,
      trainingJobId: model.trainingJobId,
      bestEpoch: typeof bestEpoch === 'number' ? bestEpoch : null,
      epochs: epochs.map(({ epoch, metrics }): EpochCurvePointDto => ({
        epoch,
        trainLoss: metrics.trainLoss,
        trainAccuracy: metrics.trainAccuracy,
        valLoss: metrics.valLoss ?? null,
        valAccuracy: metrics.valAccuracy ?? null,
        learningRate: metrics.learningRate,
        durationSeconds: metrics.durationSeconds,
      })),
    };
  }

  /** The resolved training config stored with the version, and the dataset its job was given. */
  async resolvedConfig(id: string): Promise<ModelConfigDto> {
    const model = await requireModel(this.models, id);
    const job = model.trainingJobId ? await this.trainingJobs.findById(model.trainingJobId) : null;
    const dataset = (job?.config as { dataset?: Record<string, unknown> } | undefined)?.dataset ?? null;
    return { modelVersionId: id, trainingJobId: model.trainingJobId, config: model.config, dataset };
  }

  /** The stored test-split evaluation, the operating point, and the int8 variant's measured accuracy change. */
  async evaluation(id: string): Promise<ModelEvaluationDto> {
    const model = await requireModel(this.models, id);
    const metric = (key: string): number | null => {
      const value = model.metrics[key];
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    };
    const detail = model.evaluation as unknown as EvaluationDetailDto | null;
    const own = model.metrics.quantization as StoredQuantization | undefined;
    let quantization: QuantizationDto | null = null;
    if (own?.of) {
      quantization = quantizationOf(model, own);
    } else {
      const variant = await this.models.findQuantizedVariant(id);
      const figures = variant?.metrics.quantization as StoredQuantization | undefined;
      if (variant && figures) quantization = quantizationOf(variant, figures);
    }
    return {
      modelVersionId: id,
      accuracy: detail?.accuracy ?? metric('accuracy'),
      rocAuc: detail?.defect?.rocAuc ?? metric('rocAuc'),
      prAuc: detail?.defect?.prAuc ?? metric('prAuc'),
      operatingThreshold: model.operatingThreshold,
      uncertainLow: model.uncertainLow,
      uncertainHigh: model.uncertainHigh,
      reviewShare: detail?.defect?.operatingPoint?.test.reviewRate ?? metric('testReviewRate'),
      detail,
      quantization,
    };
  }

  async promote(id: string, reason: string, actor: UserPrincipal): Promise<ModelVersionDto> {
    return this.transactions.run((tx) => this.makeProduction(tx, id, 'promote', reason, actor));
  }

  /** Serves again the version that production replaced when the current one was promoted. */
  async rollback(reason: string, actor: UserPrincipal): Promise<ModelVersionDto> {
    return this.transactions.run(async (tx) => {
      const models = tx.get(ModelVersionRepository);
      const current = await models.lockProduction();
      if (!current) throw new ApiError(409, 'nothing_to_roll_back', 'no model version is in production');
      const promotion = await models.findLatestPromotion(current.id);
      if (!promotion?.previousVersionId)
        throw new ApiError(
          409,
          'nothing_to_roll_back',
          `no version served before ${current.name} v${current.version}`,
        );
      return this.makeProduction(tx, promotion.previousVersionId, 'rollback', reason, actor);
    });
  }

  async setShadow(id: string, enabled: boolean, actor: UserPrincipal): Promise<ModelVersionDto> {
    return this.transactions.run(async (tx) => {
      const models = tx.get(ModelVersionRepository);
      const model = await requireModel(models, id, true);
      if (enabled && model.stage === 'production')
        throw new ApiError(409, 'already_in_production', 'the production model cannot shadow itself');
      model.shadow = enabled;
      await models.setShadow(id, enabled);
      await tx.get(AuditRepository).append({
        actorType: 'user',
        actorId: actor.userId,
        action: enabled ? 'model.shadow.start' : 'model.shadow.stop',
        targetType: 'model_version',
        targetId: id,
      });
      await models.notifyChanged({ event: 'shadow', id, enabled });
      return mapModelVersion(model);
    });
  }

  async shadowReport(id: string): Promise<ShadowReportDto> {
    const model = await requireModel(this.models, id);
    const pairs = await this.shadowResults.countPairs(id);
    const counts = Object.fromEntries(
      VERDICTS.map((p) => [p, Object.fromEntries(VERDICTS.map((s) => [s, 0]))]),
    ) as Record<Verdict, Record<Verdict, number>>;
    let total = 0;
    let agreements = 0;
    for (const pair of pairs) {
      counts[pair.productionVerdict][pair.verdict] = pair.count;
      total += pair.count;
      if (pair.productionVerdict === pair.verdict) agreements += pair.count;
    }
    const recent = await this.shadowResults.recentDisagreements(id, 50);
    return {
      modelVersionId: id,
      shadow: model.shadow,
      total,
      agreements,
      agreementRate: total ? agreements / total : null,
      counts,
      recentDisagreements: recent.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })),
    };
  }

  private async makeProduction(
    tx: Transaction,
    id: string,
    kind: 'promote' | 'rollback',
    reason: string,
    actor: UserPrincipal,
  ): Promise<ModelVersionDto> {
    const models = tx.get(ModelVersionRepository);
    const current = await models.lockProduction();
    const target = await requireModel(models, id, true);
    if (current?.id === target.id)
      throw new ApiError(409, 'already_in_production', 'this version already serves production');
    if (kind === 'promote') this.checkQuantization(target);
    if (current) await models.archive(current.id);
    await models.makeProduction(target.id);
    await models.recordPromotion({
      modelVersionId: target.id,
      previousVersionId: current?.id ?? null,
      kind,
      actorId: actor.userId,
    });
    await tx.get(AuditRepository).append({
      actorType: 'user',
      actorId: actor.userId,
      action: kind === 'promote' ? 'model.promote' : 'model.rollback',
      targetType: 'model_version',
      targetId: target.id,
      details: { previous: current?.id ?? null, reason },
    });
    await models.notifyChanged({ event: kind, id: target.id, previous: current?.id ?? null });
    return mapModelVersion(await requireModel(models, target.id));
  }

  /** A quantised variant is promoted only if it was measured, and lost at most the configured accuracy. */
  private checkQuantization(target: ModelVersionEntity): void {
    const quantization = target.metrics.quantization as { accuracyChangePoints?: unknown } | undefined;
    if (!quantization) return;
    const change = quantization.accuracyChangePoints;
    const margin = this.config.quantizedMaxAccuracyDropPoints;
    if (typeof change !== 'number')
      throw new ApiError(
        409,
        'quantization_unmeasured',
        'this quantised variant has no measured accuracy change',
      );
    if (change < -margin)
      throw new ApiError(
        409,
        'quantization_accuracy_drop',
        `quantisation cost ${(-change).toFixed(2)} accuracy points on the test split; at most ${margin} is allowed`,
        { accuracyChangePoints: change, allowedDropPoints: margin },
      );
  }
}

interface StoredQuantization {
  variant?: string;
  of?: string;
  fp32Accuracy?: number;
  int8Accuracy?: number;
  accuracyChangePoints?: number;
  testImages?: number;
}

function quantizationOf(variant: ModelVersionEntity, figures: StoredQuantization): QuantizationDto {
  const numberOrNull = (value: unknown) => (typeof value === 'number' ? value : null);
  return {
    variant: figures.variant ?? 'int8',
    variantId: variant.id,
    of: figures.of ?? '',
    name: variant.name,
    version: variant.version,
    fp32Accuracy: numberOrNull(figures.fp32Accuracy),
    int8Accuracy: numberOrNull(figures.int8Accuracy),
    accuracyChangePoints: numberOrNull(figures.accuracyChangePoints),
    testImages: numberOrNull(figures.testImages),
  };
}

async function requireModel(
  models: ModelVersionRepository,
  id: string,
  lock = false,
): Promise<ModelVersionEntity> {
  const model = await models.findById(id, { lock });
  if (!model) throw new ApiError(404, 'model_not_found', `no model version ${id}`);
  return model;
}
