import { type DataSource, type Repository } from 'typeorm';
import { InspectionEntity } from '../entities/inspection.entity';

export class InspectionRepository {
  private readonly inspections: Repository<InspectionEntity>;

  constructor(dataSource: DataSource) {
    this.inspections = dataSource.getRepository(InspectionEntity);
  }

  findById(id: string): Promise<InspectionEntity | null> {
    return this.inspections.findOneBy({ id });
  }
}
