import { Injectable } from '@nestjs/common';
import { ModelVersionEntity, ProductionLineRepository } from '@linescope/db';
import { EntityManager } from 'typeorm';
import { type ThresholdOverrides } from '@linescope/verdict';

export type ModelRole = 'production' | 'line-override' | 'shadow';

/** A model version that should be loaded, and why. */
export interface WantedModel {
  row: ModelVersionEntity;
  roles: ModelRole[];
}

export interface ServingSet {
  productionId: string | null;
  models: WantedModel[];
}

/** A line's settings that change how its images are scored. */
export interface LineSettings extends ThresholdOverrides {
  id: string;
  modelVersionId: string | null;
}

/** What the database says this service should serve, and how each line wants its images scored. */
@Injectable()
export class ServingSetRepository {
  private readonly lines: ProductionLineRepository;

  constructor(private readonly db: EntityManager) {
    this.lines = new ProductionLineRepository(db);
  }

  /** False once the pool is closed (the process is shutting down). */
  get connected(): boolean {
    return this.db.connection.isInitialized;
  }

  /** Production, every line's override, every shadow candidate. */
  async find(): Promise<ServingSet> {
    const overrides = await this.lines.findOverrideModelIds();
    const query = this.db
      .getRepository(ModelVersionEntity)
      .createQueryBuilder('model')
      .where(`model.stage = 'production'`)
      .orWhere('model.shadow');
    if (overrides.size > 0) query.orWhere('model.id IN (:...overrides)', { overrides: [...overrides] });
    const rows = await query.getMany();
    const models = rows.map((row) => ({
      row,
      roles: [
        ...(row.stage === 'production' ? (['production'] as const) : []),
        ...(overrides.has(row.id) ? (['line-override'] as const) : []),
        ...(row.shadow && row.stage !== 'production' ? (['shadow'] as const) : []),
      ],
    }));
    return { productionId: rows.find((row) => row.stage === 'production')?.id ?? null, models };
  }

  findVersion(id: string): Promise<ModelVersionEntity | null> {
    return this.db.getRepository(ModelVersionEntity).findOneBy({ id });
  }

  findLineSettings(lineId: string): Promise<LineSettings | null> {
    return this.lines.findScoringSettings(lineId);
  }
}
