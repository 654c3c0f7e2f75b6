import { Injectable } from '@nestjs/common';
import { InspectionEntity } from '@linescope/db';
import { DataSource, In } from 'typeorm';

export interface QueueFilter {
  lineId?: string;
  cameraId?: string;
  from?: string;
  to?: string;
  modelVersionId?: string;
  verdict?: 'uncertain' | 'defect';
}

export interface QueueCounts {
  uncertain: number;
  defect: number;
  total: number;
  claimedByOthers: number;
}

export interface ClaimedItem {
  inspection: InspectionEntity;
  claimExpiresAt: Date;
  line: { id: string; name: string; defectTypes: string[] };
  cameraName: string;
  model: { id: string; name: string; version: number } | null;
  lineRule: { threshold: number | null; low: number | null; high: number | null };
  modelRule: { threshold: number | null; low: number | null; high: number | null };
}

/** Written as the partial indexes inspections_review_queue / inspections_needs_review are, so they serve it. */
const NEEDS_REVIEW = `i.review_count = 0 AND i.verdict IN ('uncertain', 'defect')`;
const QUEUE_ORDER = 'i.verdict DESC, i.received_at, i.id';
/** Claims that lost the race to another reviewer are replaced by trying again, this many times at most. */
const CLAIM_ROUNDS = 3;

/** Builds `AND ...` conditions for a filter, appending their values to `params`. */
function filterSql(filter: QueueFilter, params: unknown[]): string {
  const parts: string[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    parts.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.lineId) add('i.line_id = ?', filter.lineId);
  if (filter.cameraId) add('i.camera_id = ?', filter.cameraId);
  if (filter.from) add('i.received_at >= ?', filter.from);
  if (filter.to) add('i.received_at < ?', filter.to);
  if (filter.modelVersionId) add('i.model_version_id = ?', filter.modelVersionId);
  if (filter.verdict) add('i.verdict = ?', filter.verdict);
  return parts.map((part) => ` AND ${part}`).join('');
}

/** The QA review queue: what waits for a person, and short claims so two reviewers never get the same item. */
@Injectable()
export class ReviewQueueRepository {
  constructor(private readonly dataSource: DataSource) {}

  async counts(filter: QueueFilter, userId: string): Promise<QueueCounts> {
    const params: unknown[] = [userId];
    const rows: { uncertain: number; defect: number; total: number; claimed_by_others: number }[] =
      await this.dataSource.query(
        `SELECT count(*) FILTER (WHERE i.verdict = 'uncertain')::int AS uncertain,
                count(*) FILTER (WHERE i.verdict = 'defect')::int AS defect,
                count(*)::int AS total,
                count(*) FILTER (WHERE EXISTS (
                  SELECT 1 FROM review_claims c
                   WHERE c.inspection_id = i.id AND c.expires_at > now() AND c.user_id <> $1))::int AS claimed_by_others
           FROM inspections i
          WHERE ${NEEDS_REVIEW}${filterSql(filter, params)}`,
        params,
      );
    const row = rows[0];
    return {
      uncertain: row.uncertain,
      defect: row.defect,
      total: row.total,
      claimedByOthers: row.claimed_by_others,
    };
  }

  /**
   * Extends the caller's unexpired claims and returns those still waiting that match the filter, then claims new
   * items up to `limit`. New items are locked with SKIP LOCKED, and the claim row is only written over when the
   * previous claim has expired, so a concurrent reviewer can neither lock nor claim the same item.
   * Returns inspection ids in queue order: own claims first.
   */
  async claim(
    userId: string,
    filter: QueueFilter,
    limit: number,
    exclude: string[],
    seconds: number,
  ): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE review_claims SET expires_at = now() + $2 * interval '1 second'
          WHERE user_id = $1 AND expires_at > now()`,
        [userId, seconds],
      );
      const ownParams: unknown[] = [userId, exclude, limit];
      const own: { id: string }[] = await manager.query(
        `SELECT i.id FROM review_claims c JOIN inspections i ON i.id = c.inspection_id
          WHERE c.user_id = $1 AND c.expires_at > now() AND NOT (i.id = ANY($2::uuid[]))
            AND ${NEEDS_REVIEW}${filterSql(filter, ownParams)}
          ORDER BY ${QUEUE_ORDER} LIMIT $3`,
        ownParams,
      );
      const ids = own.map((row) => row.id);
      for (let round = 0; round < CLAIM_ROUNDS && ids.length < limit; round += 1) {
        const params: unknown[] = [userId, seconds, [...exclude, ...ids], limit - ids.length];
        const claimed: { inspection_id: string }[] = await manager.query(
          `WITH candidates AS (
             SELECT i.id, i.verdict, i.received_at FROM inspections i
              WHERE ${NEEDS_REVIEW}${filterSql(filter, params)}
                AND NOT (i.id = ANY($3::uuid[]))
                AND NOT EXISTS (SELECT 1 FROM review_claims c WHERE c.inspection_id = i.id AND c.expires_at > now())
              ORDER BY ${QUEUE_ORDER}
              LIMIT $4
                FOR NO KEY UPDATE OF i SKIP LOCKED)
           INSERT INTO review_claims AS rc (inspection_id, user_id, expires_at)
           SELECT id, $1, now() + $2 * interval '1 second' FROM candidates
               ON CONFLICT (inspection_id) DO UPDATE
              SET user_id = excluded.user_id, expires_at = excluded.expires_at, claimed_at = now()
            WHERE rc.expires_at <= now()
           RETURNING inspection_id`,
          params,
        );
        if (claimed.length === 0) break;
        // RETURNING follows no order: put the new claims in queue order.
        const ordered: { id: string }[] = await manager.query(
          `SELECT i.id FROM inspections i WHERE i.id = ANY($1::uuid[]) ORDER BY ${QUEUE_ORDER}`,
          [claimed.map((row) => row.inspection_id)],
        );
        ids.push(...ordered.map((row) => row.id));
      }
      return ids;
    });
  }

  async release(userId: string, inspectionIds: string[]): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM review_claims WHERE user_id = $1 AND inspection_id = ANY($2::uuid[])`,
      [userId, inspectionIds],
    );
  }

  /** Claimed items with what the review station shows beside the image, in the order of `ids`. */
  async load(userId: string, ids: string[]): Promise<ClaimedItem[]> {
    if (ids.length === 0) return [];
    const inspections = await this.dataSource.getRepository(InspectionEntity).findBy({ id: In(ids) });
    const context: {
      id: string;
      claim_expires_at: Date;
      line_name: string;
      defect_types: string[];
      line_threshold: number | null;
      line_low: number | null;
      line_high: number | null;
      camera_name: string;
      model_id: string | null;
      model_name: string | null;
      model_version: number | null;
      model_threshold: number | null;
      model_low: number | null;
      model_high: number | null;
    }[] = await this.dataSource.query(
      `SELECT i.id, c.expires_at AS claim_expires_at, l.name AS line_name, l.defect_types,
              l.operating_threshold AS line_threshold, l.uncertain_low AS line_low, l.uncertain_high AS line_high,
              cam.name AS camera_name, m.id AS model_id, m.name AS model_name, m.version AS model_version,
              m.operating_threshold AS model_threshold, m.uncertain_low AS model_low, m.uncertain_high AS model_high
         FROM inspections i
         JOIN review_claims c ON c.inspection_id = i.id AND c.user_id = $1
         JOIN production_lines l ON l.id = i.line_id
         JOIN cameras cam ON cam.id = i.camera_id
         LEFT JOIN model_versions m ON m.id = i.model_version_id
        WHERE i.id = ANY($2::uuid[])`,
      [userId, ids],
    );
    const byId = new Map(inspections.map((row) => [row.id, row]));
    const contextById = new Map(context.map((row) => [row.id, row]));
    return ids.flatMap((id) => {
      const inspection = byId.get(id);
      const row = contextById.get(id);
      if (!inspection || !row) return [];
      return [
        {
          inspection,
          claimExpiresAt: row.claim_expires_at,
          line: { id: inspection.lineId, name: row.line_name, defectTypes: row.defect_types },
          cameraName: row.camera_name,
          model:
            row.model_id && row.model_name !== null && row.model_version !== null
              ? { id: row.model_id, name: row.model_name, version: row.model_version }
              : null,
          lineRule: { threshold: row.line_threshold, low: row.line_low, high: row.line_high },
          modelRule: { threshold: row.model_threshold, low: row.model_low, high: row.model_high },
        },
      ];
    });
  }
}
