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

export type LineChanges = Partial<Omit<ProductionLineEntity, 'id' | 'createdAt' | 'updatedAt'>>;

/** Production lines: their CRUD, and the reads other domains need. */
@Injectable()
export class ProductionLineRepository {
  constructor(private readonly db: EntityManager) {}

  private get lines() {
    return this.db.getRepository(ProductionLineEntity);
  }

  /** A duplicate name throws a unique violation, an unknown model version a foreign-key violation. */
  create(line: LineChanges): Promise<ProductionLineEntity> {
    return this.lines.save({ ...line });
  }

  list(): Promise<ProductionLineEntity[]> {
    return this.lines.find({ order: { name: 'ASC' } });
  }

  /** The line, locked until the transaction ends. */
  lockById(id: string): Promise<ProductionLineEntity | null> {
    return this.lines.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Applies `changes` to a loaded line and writes it. */
  save(line: ProductionLineEntity, changes: LineChanges): Promise<ProductionLineEntity> {
    return this.lines.save(this.lines.merge(line, changes));
  }

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
