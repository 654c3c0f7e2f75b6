import { type DataSource, In, type Repository } from 'typeorm';
import {
  type ChecklistFinding,
  type EpochMetrics,
  TrainingEpochEntity,
  TrainingJobEntity,
  type TrainingProgress,
} from '../entities/training-job.entity';

/** Keeps the log column bounded: the most recent lines are kept. */
const MAX_LOG_CHARS = 200_000;

/** TypeORM answers UPDATE ... RETURNING with `[rows, affectedCount]`; this returns the rows. */
async function updatedRows<T>(dataSource: DataSource, sql: string, values: unknown[]): Promise<T[]> {
  const result = await dataSource.query<[T[], number]>(sql, values);
  return result[0];
}

export class TrainingJobRepository {
  private readonly jobs: Repository<TrainingJobEntity>;

  /** @param silentAfterSeconds a worker that has not written a heartbeat for this long is taken for dead */
  constructor(
    private readonly dataSource: DataSource,
    private readonly silentAfterSeconds = 90,
  ) {
    this.jobs = dataSource.getRepository(TrainingJobEntity);
  }

  findById(id: string): Promise<TrainingJobEntity | null> {
    return this.jobs.findOneBy({ id });
  }

  /**
   * Takes a queued job, or a running one whose worker went silent, for `workerId`. Returns null when the job has
   * ended or another live worker has it: each job runs in one place at a time, however many trainers there are.
   */
  async claim(id: string, workerId: string): Promise<TrainingJobEntity | null> {
    const rows = await updatedRows<{ id: string }>(
      this.dataSource,
      `UPDATE training_jobs
          SET status = 'running', worker_id = $2, heartbeat_at = now(), attempt = attempt + 1,
              started_at = coalesce(started_at, now()), updated_at = now()
        WHERE id = $1 AND (status = 'queued' OR (status = 'running' AND
              (worker_id IS NULL OR worker_id = $2 OR heartbeat_at < now() - make_interval(secs => $3))))
        RETURNING id`,
      [id, workerId, this.silentAfterSeconds],
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
    await this.dataSource
      .getRepository(TrainingEpochEntity)
      .upsert({ trainingJobId: id, epoch, metrics }, ['trainingJobId', 'epoch']);
  }

  async appendLog(id: string, lines: string): Promise<void> {
    await this.dataSource.query(`UPDATE training_jobs SET log = right(log || $2, $3) WHERE id = $1`, [
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
    const rows = await updatedRows<{ id: string }>(
      this.dataSource,
      `UPDATE training_jobs SET worker_id = NULL, updated_at = now()
        WHERE id = $1 AND worker_id = $2 AND status = 'running'
        RETURNING id`,
      [id, workerId],
    );
    return rows.length > 0;
  }

  /** Running jobs whose worker stopped writing heartbeats; their worker is cleared so another can claim them. */
  async releaseSilent(): Promise<string[]> {
    const rows = await updatedRows<{ id: string }>(
      this.dataSource,
      `UPDATE training_jobs SET worker_id = NULL
        WHERE status = 'running' AND worker_id IS NOT NULL AND heartbeat_at < now() - make_interval(secs => $1)
        RETURNING id`,
      [this.silentAfterSeconds],
    );
    return rows.map((row) => row.id);
  }
}
