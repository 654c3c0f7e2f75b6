import { ModelVersionEntity, ProductionLineEntity } from '@linescope/db';
import { type DataSource } from 'typeorm';
import { type ThresholdOverrides } from './decision-rule.resolve';

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

/** What the database says should be served: production, every line's override, every shadow candidate. */
export async function queryServingSet(dataSource: DataSource): Promise<ServingSet> {
  const overrideRows: { model_version_id: string }[] = await dataSource.query(
    `SELECT DISTINCT model_version_id FROM production_lines WHERE model_version_id IS NOT NULL`,
  );
  const overrides = new Set(overrideRows.map((row) => row.model_version_id));
  const query = dataSource
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

/** A line's settings that change how its images are scored. */
export interface LineSettings extends ThresholdOverrides {
  id: string;
  modelVersionId: string | null;
}

export async function findLineSettings(dataSource: DataSource, lineId: string): Promise<LineSettings | null> {
  return dataSource.getRepository(ProductionLineEntity).findOne({
    where: { id: lineId },
    select: {
      id: true,
      operatingThreshold: true,
      uncertainLow: true,
      uncertainHigh: true,
      modelVersionId: true,
    },
  });
}
