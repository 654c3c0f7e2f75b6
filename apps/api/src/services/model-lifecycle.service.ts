import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG } from '@linescope/platform';
import {
  ModelPromotionEntity,
  ModelVersionEntity,
  VERDICTS,
  type Verdict,
  notifyModelsChanged,
} from '@linescope/db';
import { DataSource, type EntityManager } from 'typeorm';
import { type UserPrincipal } from '../auth/principals';
import { type ModelVersionDto, type ShadowReportDto, mapModelVersion } from '../dtos/model.dto';
import { ApiError } from '../errors/api-error';
import { AuditRepository } from '../repositories/audit.repository';

/**
 * Promotion, rollback and shadow evaluation. Each change is one transaction: stages, history, audit event and the
 * notification to inference instances (PostgreSQL delivers NOTIFY at commit, so nobody hears of a change that
 * did not happen).
 */
@Injectable()
export class ModelLifecycleService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(stage?: ModelVersionEntity['stage']): Promise<ModelVersionDto[]> {
    const models = await this.dataSource
      .getRepository(ModelVersionEntity)
      .find({ where: stage ? { stage } : {}, order: { createdAt: 'DESC' } });
    return models.map(mapModelVersion);
  }

  async get(id: string): Promise<ModelVersionDto> {
    return mapModelVersion(await this.require(this.dataSource.manager, id));
  }

  async promote(id: string, actor: UserPrincipal): Promise<ModelVersionDto> {
    return this.dataSource.transaction((manager) => this.makeProduction(manager, id, 'promote', actor));
  }

  /** Serves again the version that production replaced when the current one was promoted. */
  async rollback(actor: UserPrincipal): Promise<ModelVersionDto> {
    return this.dataSource.transaction(async (manager) => {
      const current = await this.lockProduction(manager);
      if (!current) throw new ApiError(409, 'nothing_to_roll_back', 'no model version is in production');
      const promotion = await manager.getRepository(ModelPromotionEntity).findOne({
        where: { modelVersionId: current.id, kind: 'promote' },
        order: { id: 'DESC' },
      });
      if (!promotion?.previousVersionId)
        throw new ApiError(
          409,
          'nothing_to_roll_back',
          `no version served before ${current.name} v${current.version}`,
        );
      return this.makeProduction(manager, promotion.previousVersionId, 'rollback', actor);
    });
  }

  async setShadow(id: string, enabled: boolean, actor: UserPrincipal): Promise<ModelVersionDto> {
    return this.dataSource.transaction(async (manager) => {
      const model = await this.require(manager, id, true);
      if (enabled && model.stage === 'production')
        throw new ApiError(409, 'already_in_production', 'the production model cannot shadow itself');
      model.shadow = enabled;
      await manager.getRepository(ModelVersionEntity).save(model);
      await this.audit.append(manager, {
        actorType: 'user',
        actorId: actor.userId,
        action: enabled ? 'model.shadow.start' : 'model.shadow.stop',
        targetType: 'model_version',
        targetId: id,
      });
      await notifyModelsChanged(manager, { event: 'shadow', id, enabled });
      return mapModelVersion(model);
    });
  }

  async shadowReport(id: string): Promise<ShadowReportDto> {
    const model = await this.require(this.dataSource.manager, id);
    const rows: { production_verdict: Verdict; verdict: Verdict; count: string }[] =
      await this.dataSource.query(
        `SELECT production_verdict, verdict, count(*)::text AS count FROM shadow_results
        WHERE model_version_id = $1 GROUP BY production_verdict, verdict`,
        [id],
      );
    const counts = Object.fromEntries(
      VERDICTS.map((p) => [p, Object.fromEntries(VERDICTS.map((s) => [s, 0]))]),
    ) as Record<Verdict, Record<Verdict, number>>;
    let total = 0;
    let agreements = 0;
    for (const row of rows) {
      const n = Number(row.count);
      counts[row.production_verdict][row.verdict] = n;
      total += n;
      if (row.production_verdict === row.verdict) agreements += n;
    }
    const recent: {
      inspection_id: string;
      verdict: Verdict;
      score: number;
      production_verdict: Verdict;
      production_score: number;
      created_at: Date;
    }[] = await this.dataSource.query(
      `SELECT inspection_id, verdict, score, production_verdict, production_score, created_at FROM shadow_results
        WHERE model_version_id = $1 AND verdict <> production_verdict ORDER BY created_at DESC LIMIT 50`,
      [id],
    );
    return {
      modelVersionId: id,
      shadow: model.shadow,
      total,
      agreements,
      agreementRate: total ? agreements / total : null,
      counts,
      recentDisagreements: recent.map((r) => ({
        inspectionId: r.inspection_id,
        verdict: r.verdict,
        score: r.score,
        productionVerdict: r.production_verdict,
        productionScore: r.production_score,
        createdAt: r.created_at.toISOString(),
      })),
    };
  }

  private async makeProduction(
    manager: EntityManager,
    id: string,
    kind: 'promote' | 'rollback',
    actor: UserPrincipal,
  ): Promise<ModelVersionDto> {
    const repo = manager.getRepository(ModelVersionEntity);
    const current = await this.lockProduction(manager);
    const target = await this.require(manager, id, true);
    if (current?.id === target.id)
      throw new ApiError(409, 'already_in_production', 'this version already serves production');
    if (kind === 'promote') this.checkQuantization(target);
    if (current) await repo.update({ id: current.id }, { stage: 'archived' });
    await repo.update({ id: target.id }, { stage: 'production', shadow: false, promotedAt: new Date() });
    await manager.getRepository(ModelPromotionEntity).insert({
      modelVersionId: target.id,
      previousVersionId: current?.id ?? null,
      kind,
      actorId: actor.userId,
    });
    await this.audit.append(manager, {
      actorType: 'user',
      actorId: actor.userId,
      action: kind === 'promote' ? 'model.promote' : 'model.rollback',
      targetType: 'model_version',
      targetId: target.id,
      details: { previous: current?.id ?? null },
    });
    await notifyModelsChanged(manager, { event: kind, id: target.id, previous: current?.id ?? null });
    return mapModelVersion(await repo.findOneByOrFail({ id: target.id }));
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

  private async lockProduction(manager: EntityManager): Promise<ModelVersionEntity | null> {
    return manager
      .getRepository(ModelVersionEntity)
      .findOne({ where: { stage: 'production' }, lock: { mode: 'pessimistic_write' } });
  }

  private async require(manager: EntityManager, id: string, lock = false): Promise<ModelVersionEntity> {
    const model = await manager
      .getRepository(ModelVersionEntity)
      .findOne({ where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!model) throw new ApiError(404, 'model_not_found', `no model version ${id}`);
    return model;
  }
}
