import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** Product-wide retention in days, by what became of an image; a line's non-null overrides win. */
export interface RetentionDays {
  okDays: number;
  flaggedDays: number;
  reviewedDays: number;
}

export interface RetentionLine {
  id: string;
  name: string;
  days: RetentionDays;
}

export interface PurgeCandidate {
  id: string;
  imageKey: string;
  heatmapKey: string | null;
  imageBytes: number;
  receivedAt: Date;
}

export interface LinePreview {
  /** Images a run would delete now. */
  images: number;
  imageBytes: number;
  /** Images past their days that a frozen label set of a trained model keeps. */
  heldByLabelSets: number;
}

/**
 * The image's age limit for its row: reviewed, else judged defect or uncertain (or failed), else ok. Pending rows
 * are never due: they still wait for their verdict. $2, $3, $4: the line's ok, flagged and reviewed days.
 */
const DUE = `i.status <> 'pending' AND i.received_at < now() - make_interval(days => CASE
    WHEN i.review_count > 0 THEN $4::int
    WHEN i.verdict = 'ok' THEN $2::int
    ELSE $3::int END)`;

/** Kept while any model version trained on a frozen label set that holds the image exists. */
const HELD = `EXISTS (
    SELECT 1 FROM label_set_items li
      JOIN label_sets ls ON ls.id = li.label_set_id AND ls.frozen_at IS NOT NULL
      JOIN training_jobs tj ON tj.label_set_id = ls.id
      JOIN model_versions mv ON mv.training_job_id = tj.id
     WHERE li.inspection_id = i.id)`;

/** What the retention job reads and marks; it deletes no row. */
@Injectable()
export class RetentionRepository {
  constructor(private readonly db: EntityManager) {}

  async lines(defaults: RetentionDays): Promise<RetentionLine[]> {
    const rows: { id: string; name: string; ok: number; flagged: number; reviewed: number }[] =
      await this.db.query(
        `SELECT id, name, COALESCE(retain_ok_days, $1) AS ok, COALESCE(retain_flagged_days, $2) AS flagged,
                COALESCE(retain_reviewed_days, $3) AS reviewed
           FROM production_lines ORDER BY name`,
        [defaults.okDays, defaults.flaggedDays, defaults.reviewedDays],
      );
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      days: { okDays: row.ok, flaggedDays: row.flagged, reviewedDays: row.reviewed },
    }));
  }

  /**
   * Locks up to `limit` of the line's due, unheld, unpurged rows after the cursor, oldest first, until the
   * transaction ends. Rows another run holds are skipped (SKIP LOCKED); the lock also holds off a review or a
   * label set taking one of them (their foreign keys lock the row KEY SHARE) while its objects are deleted.
   */
  async claimDue(
    line: RetentionLine,
    after: { receivedAt: Date; id: string } | null,
    limit: number,
  ): Promise<PurgeCandidate[]> {
    const rows: {
      id: string;
      image_key: string;
      heatmap_key: string | null;
      image_bytes: number;
      received_at: Date;
    }[] = await this.db.query(
      `SELECT i.id, i.image_key, i.heatmap_key, i.image_bytes, i.received_at
         FROM inspections i
        WHERE i.line_id = $1 AND i.image_purged_at IS NULL
          AND i.received_at < now() - make_interval(days => $5::int)
          AND ($6::timestamptz IS NULL OR (i.received_at, i.id) > ($6::timestamptz, $7::uuid))
          AND ${DUE} AND NOT ${HELD}
        ORDER BY i.received_at, i.id
        LIMIT $8
        FOR UPDATE OF i SKIP LOCKED`,
      [
        line.id,
        line.days.okDays,
        line.days.flaggedDays,
        line.days.reviewedDays,
        Math.min(line.days.okDays, line.days.flaggedDays, line.days.reviewedDays),
        after?.receivedAt ?? null,
        after?.id ?? null,
        limit,
      ],
    );
    return rows.map((row) => ({
      id: row.id,
      imageKey: row.image_key,
      heatmapKey: row.heatmap_key,
      imageBytes: row.image_bytes,
      receivedAt: row.received_at,
    }));
  }

  async markPurged(ids: string[]): Promise<number> {
    const [row]: { marked: number }[] = await this.db.query(
      `WITH marked AS (
         UPDATE inspections SET image_purged_at = now() WHERE id = ANY($1::uuid[]) AND image_purged_at IS NULL
         RETURNING id)
       SELECT count(*)::int AS marked FROM marked`,
      [ids],
    );
    return row.marked;
  }

  async preview(line: RetentionLine): Promise<LinePreview> {
    const [row]: { images: string; image_bytes: string; held: string }[] = await this.db.query(
      `SELECT count(*) FILTER (WHERE NOT held) AS images,
              COALESCE(sum(image_bytes) FILTER (WHERE NOT held), 0) AS image_bytes,
              count(*) FILTER (WHERE held) AS held
         FROM (SELECT i.image_bytes, ${HELD} AS held
                 FROM inspections i
                WHERE i.line_id = $1 AND i.image_purged_at IS NULL
                  AND i.received_at < now() - make_interval(days => $5::int) AND ${DUE}) due`,
      [
        line.id,
        line.days.okDays,
        line.days.flaggedDays,
        line.days.reviewedDays,
        Math.min(line.days.okDays, line.days.flaggedDays, line.days.reviewedDays),
      ],
    );
    return {
      images: Number(row.images),
      imageBytes: Number(row.image_bytes),
      heldByLabelSets: Number(row.held),
    };
  }
}
