import { Injectable } from '@nestjs/common';
import { Brackets, EntityManager } from 'typeorm';
import { type QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { InspectionEntity } from '../entities/inspection.entity';

/**
 * Why an inspection is not scored yet: no model version serves its line. It stays `pending` with this reason (shown
 * to the camera as `failureReason`) and is scored once a model is promoted.
 */
export const AWAITING_MODEL_REASON = 'no model is serving yet';

/** What inspections failed with when no model served their line, before they waited instead; re-opened as well. */
export const NO_MODEL_FAILURE_REASON = 'no model version serves this line';

/** Filters of the inspection list; `needsReview` and `reviewed` match the partial indexes' predicates. */
export interface InspectionFilter {
  lineId?: string;
  cameraId?: string;
  verdict?: string;
  status?: string;
  from?: string;
  to?: string;
  modelVersionId?: string;
  reviewed?: boolean;
  needsReview?: boolean;
  /** Keyset position: rows strictly after (receivedAt, id) in newest-first order. */
  after?: { receivedAt: string; id: string };
}

@Injectable()
export class InspectionRepository {
  constructor(private readonly db: EntityManager) {}

  findById(id: string): Promise<InspectionEntity | null> {
    return this.db.getRepository(InspectionEntity).findOneBy({ id });
  }

  findByIdempotencyKey(cameraId: string, idempotencyKey: string): Promise<InspectionEntity | null> {
    return this.db.getRepository(InspectionEntity).findOneBy({ cameraId, idempotencyKey });
  }

  /** insert(), not save(): save() with a given id first SELECTs to choose between insert and update. */
  async insert(row: InspectionEntity): Promise<InspectionEntity> {
    const repo = this.db.getRepository(InspectionEntity);
    const entity = repo.create(row);
    await repo.insert(entity);
    return entity;
  }

  /** Applies `change` only while the inspection is pending; returns its line, or null when it was already final. */
  async finishPending(
    id: string,
    change: QueryDeepPartialEntity<InspectionEntity>,
  ): Promise<{ lineId: string; heatmapKey: string | null } | null> {
    const updated = await this.db
      .createQueryBuilder()
      .update(InspectionEntity)
      .set(change)
      .where('id = :id AND status = :pending', { id, pending: 'pending' })
      .returning('line_id, heatmap_key')
      .execute();
    const row = (updated.raw as { line_id: string; heatmap_key: string | null }[])[0];
    return row ? { lineId: row.line_id, heatmapKey: row.heatmap_key } : null;
  }

  /** Sets heatmap_key only where none is set; false when the row is gone or already has one. */
  async attachHeatmap(id: string, key: string): Promise<boolean> {
    const updated = await this.db
      .createQueryBuilder()
      .update(InspectionEntity)
      .set({ heatmapKey: key })
      .where('id = :id AND heatmap_key IS NULL', { id })
      .execute();
    return (updated.affected ?? 0) > 0;
  }

  /** The stored heatmap key; undefined when the inspection does not exist. */
  async findHeatmapKey(id: string): Promise<string | null | undefined> {
    const row = await this.db
      .getRepository(InspectionEntity)
      .findOne({ where: { id }, select: { id: true, heatmapKey: true } });
    return row === null ? undefined : row.heatmapKey;
  }

  /** Newest first (received_at, id), at most `limit` rows. */
  list(filter: InspectionFilter, limit: number): Promise<InspectionEntity[]> {
    const qb = this.db.getRepository(InspectionEntity).createQueryBuilder('i');
    if (filter.lineId) qb.andWhere('i.line_id = :lineId', { lineId: filter.lineId });
    if (filter.cameraId) qb.andWhere('i.camera_id = :cameraId', { cameraId: filter.cameraId });
    if (filter.verdict) qb.andWhere('i.verdict = :verdict', { verdict: filter.verdict });
    if (filter.status) qb.andWhere('i.status = :status', { status: filter.status });
    if (filter.from) qb.andWhere('i.received_at >= :from', { from: filter.from });
    if (filter.to) qb.andWhere('i.received_at < :to', { to: filter.to });
    if (filter.modelVersionId)
      qb.andWhere('i.model_version_id = :modelVersionId', { modelVersionId: filter.modelVersionId });
    if (filter.reviewed !== undefined)
      qb.andWhere(filter.reviewed ? 'i.review_count > 0' : 'i.review_count = 0');
    // Spelled as the partial index inspections_needs_review is, so the planner uses it.
    if (filter.needsReview === true)
      qb.andWhere(`i.review_count = 0 AND i.verdict IN ('uncertain', 'defect')`);
    if (filter.needsReview === false)
      qb.andWhere(`(i.review_count > 0 OR i.verdict IS NULL OR i.verdict = 'ok')`);
    const after = filter.after;
    if (after) {
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('i.received_at < :cursorAt', { cursorAt: after.receivedAt })
            .orWhere('i.received_at = :cursorAt AND i.id < :cursorId', { cursorId: after.id }),
        ),
      );
    }
    return qb.orderBy('i.received_at', 'DESC').addOrderBy('i.id', 'DESC').take(limit).getMany();
  }

  /** Ids of inspections still pending long after their upload, oldest first. */
  async findStalePending(olderThanSeconds: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM inspections WHERE status = 'pending' AND received_at < now() - make_interval(secs => $1)
        ORDER BY received_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Ids of inspections of the last hour still pending that no request can still be answering: received before
   * `receivedBefore`, or longer ago than their line's verdict deadline plus `graceSeconds`. Those waiting for a
   * model are left out (`score-awaiting-model` queues them when one serves). Oldest first.
   */
  async findPendingPastDeadline(
    receivedBefore: Date,
    graceSeconds: number,
    limit: number,
  ): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT i.id FROM inspections i JOIN production_lines l ON l.id = i.line_id
        WHERE i.status = 'pending' AND i.received_at >= now() - interval '1 hour'
          AND (i.received_at < $1
               OR i.received_at < now() - make_interval(secs => l.verdict_deadline_ms / 1000.0 + $2))
          AND i.failure_reason IS DISTINCT FROM $3
        ORDER BY i.received_at LIMIT $4`,
      [receivedBefore, graceSeconds, AWAITING_MODEL_REASON, limit],
    );
    return rows.map((row) => row.id);
  }

  /** Records on a still-pending inspection that it waits for a model; false when it is final already. */
  async markAwaitingModel(id: string): Promise<boolean> {
    const result = await this.db
      .getRepository(InspectionEntity)
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
