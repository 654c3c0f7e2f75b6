import { type DataSource, type Repository } from 'typeorm';
import { InspectionEntity } from '../entities/inspection.entity';
import { ModelVersionEntity } from '../entities/model-version.entity';
import { ProductionLineEntity } from '../entities/production-line.entity';

export class InspectionRepository {
  private readonly inspections: Repository<InspectionEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.inspections = dataSource.getRepository(InspectionEntity);
  }

  findById(id: string): Promise<InspectionEntity | null> {
    return this.inspections.findOneBy({ id });
  }

  /** Marks a pending inspection failed; returns false when it was no longer pending. */
  async markFailed(id: string, reason: string): Promise<boolean> {
    const result = await this.inspections.update(
      { id, status: 'pending' },
      { status: 'failed', failureReason: reason },
    );
    return (result.affected ?? 0) > 0;
  }

  /** The model that scores a line: the line's override, else the production version. */
  async findServingModel(lineId: string): Promise<ModelVersionEntity | null> {
    const line = await this.dataSource.getRepository(ProductionLineEntity).findOneBy({ id: lineId });
    const models = this.dataSource.getRepository(ModelVersionEntity);
    if (line?.modelVersionId) return models.findOneBy({ id: line.modelVersionId });
    return models.findOneBy({ stage: 'production' });
  }
}
