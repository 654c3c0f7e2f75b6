import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A running training job's worker writes a heartbeat; a job whose heartbeat stops (its process was killed) is
 * queued again by another trainer and resumes from its last checkpoint.
 */
export class TrainingHeartbeat1764644400000 implements MigrationInterface {
  name = 'TrainingHeartbeat1764644400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE training_jobs ADD COLUMN worker_id text, ADD COLUMN heartbeat_at timestamptz`,
    );
    await db.query(
      `CREATE INDEX training_jobs_running ON training_jobs (heartbeat_at) WHERE status = 'running'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX training_jobs_running`);
    await db.query(`ALTER TABLE training_jobs DROP COLUMN heartbeat_at, DROP COLUMN worker_id`);
  }
}
