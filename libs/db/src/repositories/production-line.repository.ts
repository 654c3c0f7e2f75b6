import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ProductionLineEntity } from '../entities/production-line.entity';

/** A line's settings that change how its images are scored. */
export interface LineScoringSettings {
  id: string;
  operatingThreshold: number | null;
  uncertainLow: number | null;
  uncertainHigh: number | null;
  modelVersionId: string | null;
}

/** Reads of production lines that other domains need (their own CRUD lives with the line service). */
@Injectable()
export class ProductionLineRepository {
  constructor(private readonly db: EntityManager) {}

  findById(id: string): Promise<ProductionLineEntity | null> {
    return this.db.getRepository(ProductionLineEntity).findOneBy({ id });
  }

  findScoringSettings(id: string): Promise<LineScoringSettings | null> {
    return this.db.getRepository(ProductionLineEntity).findOne({
      where: { id },
      select: {
        id: true,
        operatingThreshold: true,
        uncertainLow: true,
        uncertainHigh: true,
        modelVersionId: true,
      },
    });
  }

  /** Model versions some line is pinned to. */
  async findOverrideModelIds(): Promise<Set<string>> {
    const rows: { model_version_id: string }[] = await this.db.query(
      `SELECT DISTINCT model_version_id FROM production_lines WHERE model_version_id IS NOT NULL`,
    );
    return new Set(rows.map((row) => row.model_version_id));
  }
}
