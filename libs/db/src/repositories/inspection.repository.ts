import { type DataSource, type EntityManager, type Repository } from 'typeorm';
import { InspectionEntity } from '../entities/inspection.entity';

/**
 * Why an inspection is not scored yet: no model version serves its line. It stays `pending` with this reason (shown
 * to the camera as `failureReason`) and is scored once a model is promoted.
 */
export const AWAITING_MODEL_REASON = 'no model is serving yet';

/** What inspections failed with when no model served their line, before they waited instead; re-opened as well. */
export const NO_MODEL_FAILURE_REASON = 'no model version serves this line';

export class InspectionRepository {
  private readonly inspections: Repository<InspectionEntity>;

  constructor(private readonly db: DataSource | EntityManager) {
    this.inspections = db.getRepository(InspectionEntity);
  }

  findById(id: string): Promise<InspectionEntity | null> {
    return this.inspections.findOneBy({ id });
  }

  /** Records on a still-pending inspection that it waits for a model; false when it is final already. */
  async markAwaitingModel(id: string): Promise<boolean> {
    const result = await this.inspections
      .createQueryBuilder()
      .update()
      .set({ failureReason: AWAITING_MODEL_REASON })
      .where('id = :id AND status = :pending', { id, pending: 'pending' })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /**
   * Takes up to `limit` inspections that wait for a model (or failed for the want of one) on lines a model now
   * serves (the line's own version, or a production version), makes them plain `pending` again and returns their
   * ids, oldest first. Rows another transaction holds are skipped, so two callers never take the same row.
   */
  async reopenAwaitingModel(limit: number): Promise<string[]> {
    const result: unknown[] = await this.db.query(
      `UPDATE inspections SET status = 'pending', failure_reason = NULL
        WHERE id IN (
          SELECT i.id FROM inspections i JOIN production_lines l ON l.id = i.line_id
           WHERE ((i.status = 'pending' AND i.failure_reason = $1) OR (i.status = 'failed' AND i.failure_reason = $2))
             AND (l.model_version_id IS NOT NULL OR EXISTS (SELECT 1 FROM model_versions WHERE stage = 'production'))
           ORDER BY i.received_at
           LIMIT $3
           FOR UPDATE OF i SKIP LOCKED)
        RETURNING id`,
      [AWAITING_MODEL_REASON, NO_MODEL_FAILURE_REASON, limit],
    );
    // TypeORM returns [rows, count] for an UPDATE ... RETURNING on PostgreSQL.
    const returned = (Array.isArray(result[0]) ? result[0] : result) as { id: string }[];
    return returned.map((row) => row.id);
  }
}
