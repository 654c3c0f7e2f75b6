import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { type TrainingJobStatus } from '../entities/enums';
import {
  type ChecklistFinding,
  type EpochMetrics,
  TrainingEpochEntity,
  TrainingJobEntity,
  type TrainingProgress,
} from '../entities/training-job.entity';

/** Keeps the log column bounded: the most recent lines are kept. */
const MAX_LOG_CHARS = 200_000;

export type NewTrainingJob = Pick<TrainingJobEntity, 'config' | 'teacherId' | 'createdBy'> &
  Partial<Pick<TrainingJobEntity, 'labelSetId'>>;

/** What a successful job records when its model versions are registered. */
export interface TrainingSuccess {
  modelVersionId: string;
  checklist: ChecklistFinding[];
  progress: TrainingProgress;
}

@Injectable()
export class TrainingJobRepository {
  constructor(private readonly db: EntityManager) {}

  private get jobs() {
    return this.db.getRepository(TrainingJobEntity);
  }

  /** TypeORM answers UPDATE ... RETURNING with `[rows, affectedCount]`; this returns the rows. */
  private async updatedRows<T>(sql: string, values: unknown[]): Promise<T[]> {
    const result = await this.db.query<[T[], number]>(sql, values);
    return result[0];
  }

  findById(id: string): Promise<TrainingJobEntity | null> {
    return this.jobs.findOneBy({ id });
  }

  create(job: NewTrainingJob): Promise<TrainingJobEntity> {
    return this.jobs.save({ ...job, status: 'queued' as const });
  }

  list(status: TrainingJobStatus | undefined, limit: number): Promise<TrainingJobEntity[]> {
    return this.jobs.find({ where: status ? { status } : {}, order: { createdAt: 'DESC' }, take: limit });
  }

  findEpochs(id: string): Promise<TrainingEpochEntity[]> {
    return this.db
      .getRepository(TrainingEpochEntity)
      .find({ where: { trainingJobId: id }, order: { epoch: 'ASC' } });
  }

  /** Cancels a queued or running job; returns false when it had already ended (or does not exist). */
  async cancel(id: string): Promise<boolean> {
    const result = await this.jobs.update(
      { id, status: In(['queued', 'running']) },
      { status: 'cancelled', finishedAt: new Date() },
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * Takes a queued job, or a running one whose worker went silent for `silentAfterSeconds`, for `workerId`.
   * Returns null when the job has ended or another live worker has it: each job runs in one place at a time,
   * however many trainers there are.
   */
  async claim(id: string, workerId: string, silentAfterSeconds: number): Promise<TrainingJobEntity | null> {
    const rows = await this.updatedRows<{ id: string }>(
      `UPDATE training_jobs
          SET status = 'running', worker_id = $2, heartbeat_at = now(), attempt = attempt + 1,
              started_at = coalesce(started_at, now()), updated_at = now()
        WHERE id = $1 AND (status = 'queued' OR (status = 'running' AND
              (worker_id IS NULL OR worker_id = $2 OR heartbeat_at < now() - make_interval(secs => $3))))
        RETURNING id`,
      [id, workerId, silentAfterSeconds],
    );
    return rows.length ? this.jobs.findOneBy({ id }) : null;
  }

  /** Returns false when the job is no longer this worker's (cancelled, or taken over). */
  async heartbeat(id: string, workerId: string, progress?: TrainingProgress): Promise<boolean> {
    const result = await this.jobs
      .createQueryBuilder()
      .update()
      .set({ heartbeatAt: () => 'now()', ...(progress ? { progress } : {}) })
      .where(`id = :id AND worker_id = :workerId AND status = 'running'`, { id, workerId })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async setLabelSet(id: string, labelSetId: string): Promise<void> {
    await this.jobs.update({ id }, { labelSetId });
  }

  async saveEpoch(id: string, epoch: number, metrics: EpochMetrics): Promise<void> {
    await this.db
      .getRepository(TrainingEpochEntity)
      .upsert({ trainingJobId: id, epoch, metrics }, ['trainingJobId', 'epoch']);
  }

  async appendLog(id: string, lines: string): Promise<void> {
    await this.db.query(`UPDATE training_jobs SET log = right(log || $2, $3) WHERE id = $1`, [
      id,
      lines,
      MAX_LOG_CHARS,
    ]);
  }

  async saveFindings(id: string, checklist: ChecklistFinding[]): Promise<void> {
    await this.jobs.update({ id }, { checklist });
  }

  async setCheckpoint(id: string, checkpointKey: string): Promise<void> {
    await this.jobs.update({ id }, { checkpointKey });
  }

  /** The final progress is merged over the last report, which keeps the measured images/s and elapsed time. */
  async markSucceeded(id: string, success: TrainingSuccess): Promise<void> {
    const { progress, ...rest } = success;
    await this.jobs
      .createQueryBuilder()
      .update()
      .set({
        status: 'succeeded',
        ...rest,
        progress: () => `progress || :progress::jsonb`,
        finishedAt: new Date(),
        workerId: null,
      })
      .where('id = :id', { id })
      .setParameter('progress', JSON.stringify({ ...progress, percent: 100 }))
      .execute();
  }

  /** Moves a queued or running job to failed with a reason; returns false when it had already ended. */
  async markFailed(id: string, error: string): Promise<boolean> {
    const result = await this.jobs.update(
      { id, status: In(['queued', 'running']) },
      { status: 'failed', error, finishedAt: new Date(), workerId: null },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Gives a running job up (its worker is stopping), so the next trainer claims it at once. */
  async release(id: string, workerId: string): Promise<boolean> {
    const rows = await this.updatedRows<{ id: string }>(
      `UPDATE training_jobs SET worker_id = NULL, updated_at = now()
        WHERE id = $1 AND worker_id = $2 AND status = 'running'
        RETURNING id`,
      [id, workerId],
    );
    return rows.length > 0;
  }

  /** Running jobs whose worker stopped writing heartbeats; their worker is cleared so another can claim them. */
  async releaseSilent(silentAfterSeconds: number): Promise<string[]> {
    const rows = await this.updatedRows<{ id: string }>(
      `UPDATE training_jobs SET worker_id = NULL
        WHERE status = 'running' AND worker_id IS NOT NULL AND heartbeat_at < now() - make_interval(secs => $1)
        RETURNING id`,
      [silentAfterSeconds],
    );
    return rows.map((row) => row.id);
  }
}
