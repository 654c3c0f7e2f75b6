import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { type Verdict } from '../entities/enums';
import { ShadowResultEntity } from '../entities/model-lifecycle.entity';

export type NewShadowResult = Omit<ShadowResultEntity, 'createdAt'>;

export interface ShadowDisagreement {
  inspectionId: string;
  verdict: Verdict;
  score: number;
  productionVerdict: Verdict;
  productionScore: number;
  createdAt: Date;
}

/** A shadow candidate's answers next to production's. */
@Injectable()
export class ShadowResultRepository {
  constructor(private readonly db: EntityManager) {}

  /** One result per inspection and candidate: a retried job records nothing new. */
  async insertOnce(result: NewShadowResult): Promise<void> {
    await this.db.createQueryBuilder().insert().into(ShadowResultEntity).values(result).orIgnore().execute();
  }

  /** How many times each pair (production verdict, shadow verdict) occurred. */
  async countPairs(
    modelVersionId: string,
  ): Promise<{ productionVerdict: Verdict; verdict: Verdict; count: number }[]> {
    const rows: { production_verdict: Verdict; verdict: Verdict; count: string }[] = await this.db.query(
      `SELECT production_verdict, verdict, count(*)::text AS count FROM shadow_results
        WHERE model_version_id = $1 GROUP BY production_verdict, verdict`,
      [modelVersionId],
    );
    return rows.map((row) => ({
      productionVerdict: row.production_verdict,
      verdict: row.verdict,
      count: Number(row.count),
    }));
  }

  async recentDisagreements(modelVersionId: string, limit: number): Promise<ShadowDisagreement[]> {
    const rows: {
      inspection_id: string;
      verdict: Verdict;
      score: number;
      production_verdict: Verdict;
      production_score: number;
      created_at: Date;
    }[] = await this.db.query(
      `SELECT inspection_id, verdict, score, production_verdict, production_score, created_at FROM shadow_results
        WHERE model_version_id = $1 AND verdict <> production_verdict ORDER BY created_at DESC LIMIT $2`,
      [modelVersionId, limit],
    );
    return rows.map((r) => ({
      inspectionId: r.inspection_id,
      verdict: r.verdict,
      score: r.score,
      productionVerdict: r.production_verdict,
      productionScore: r.production_score,
      createdAt: r.created_at,
    }));
  }
}
