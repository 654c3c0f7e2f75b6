import { type DataSource, In, type Repository } from 'typeorm';
import { TrainingJobEntity } from '../entities/training-job.entity';

export class TrainingJobRepository {
  private readonly jobs: Repository<TrainingJobEntity>;

  constructor(dataSource: DataSource) {
    this.jobs = dataSource.getRepository(TrainingJobEntity);
  }

  findById(id: string): Promise<TrainingJobEntity | null> {
    return this.jobs.findOneBy({ id });
  }

  /** Moves a queued or running job to failed with a reason; returns false when it had already ended. */
  async markFailed(id: string, error: string): Promise<boolean> {
    const result = await this.jobs.update(
      { id, status: In(['queued', 'running']) },
      { status: 'failed', error, finishedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }
}
