import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { type ModelStage } from '../entities/enums';
import { ModelPromotionEntity } from '../entities/model-lifecycle.entity';
import { ModelVersionEntity } from '../entities/model-version.entity';
import { notifyModelsChanged } from '../model-notifications';

export type NewModelVersion = Omit<ModelVersionEntity, 'version' | 'shadow' | 'promotedAt' | 'createdAt'>;

/** Model versions, their promotion history, and the change notification inference instances listen for. */
@Injectable()
export class ModelVersionRepository {
  constructor(private readonly db: EntityManager) {}

  list(stage?: ModelStage): Promise<ModelVersionEntity[]> {
    return this.db
      .getRepository(ModelVersionEntity)
      .find({ where: stage ? { stage } : {}, order: { createdAt: 'DESC' } });
  }

  /** With `lock`, the row stays locked until the transaction ends. */
  findById(id: string, options: { lock?: boolean } = {}): Promise<ModelVersionEntity | null> {
    return this.db
      .getRepository(ModelVersionEntity)
      .findOne({ where: { id }, ...(options.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  /** The int8 variant made from `id` (its metrics say `quantization.of`), the newest if several. */
  findQuantizedVariant(id: string): Promise<ModelVersionEntity | null> {
    return this.db
      .getRepository(ModelVersionEntity)
      .createQueryBuilder('m')
      .where(`m.metrics -> 'quantization' ->> 'of' = :id`, { id })
      .orderBy('m.created_at', 'DESC')
      .getOne();
  }

  /** The production version, locked until the transaction ends: promotions take turns. */
  lockProduction(): Promise<ModelVersionEntity | null> {
    return this.db
      .getRepository(ModelVersionEntity)
      .findOne({ where: { stage: 'production' }, lock: { mode: 'pessimistic_write' } });
  }

  async archive(id: string): Promise<void> {
    await this.db.getRepository(ModelVersionEntity).update({ id }, { stage: 'archived' });
  }

  async makeProduction(id: string): Promise<void> {
    await this.db
      .getRepository(ModelVersionEntity)
      .update({ id }, { stage: 'production', shadow: false, promotedAt: new Date() });
  }

  async setShadow(id: string, shadow: boolean): Promise<void> {
    await this.db.getRepository(ModelVersionEntity).update({ id }, { shadow });
  }

  /** Inserts the next version of `name` (1 for a new name). */
  async insertNextVersion(model: NewModelVersion): Promise<ModelVersionEntity> {
    const latest: { max: number | null }[] = await this.db.query(
      `SELECT max(version) AS max FROM model_versions WHERE name = $1`,
      [model.name],
    );
    return this.db.getRepository(ModelVersionEntity).save({ ...model, version: (latest[0]?.max ?? 0) + 1 });
  }

  /** Appends an evaluation to the version's `metrics.evaluations`. */
  async appendEvaluation(id: string, evaluation: Record<string, unknown>): Promise<void> {
    await this.db.query(
      `UPDATE model_versions
          SET metrics = jsonb_set(metrics, '{evaluations}', coalesce(metrics->'evaluations', '[]'::jsonb) || $2::jsonb)
        WHERE id = $1`,
      [id, JSON.stringify([evaluation])],
    );
  }

  /** The latest promotion that put `modelVersionId` in production. */
  findLatestPromotion(modelVersionId: string): Promise<ModelPromotionEntity | null> {
    return this.db.getRepository(ModelPromotionEntity).findOne({
      where: { modelVersionId, kind: 'promote' },
      order: { id: 'DESC' },
    });
  }

  async recordPromotion(
    promotion: Pick<ModelPromotionEntity, 'modelVersionId' | 'previousVersionId' | 'kind' | 'actorId'>,
  ): Promise<void> {
    await this.db.getRepository(ModelPromotionEntity).insert(promotion);
  }

  /** Announces a change; inside a transaction PostgreSQL delivers it only if the transaction commits. */
  notifyChanged(payload: Record<string, unknown>): Promise<void> {
    return notifyModelsChanged(this.db, payload);
  }
}
