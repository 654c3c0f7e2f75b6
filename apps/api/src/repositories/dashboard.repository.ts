import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Counts and latency percentiles of a set of inspections, as SQL computes them. */
export interface TotalsRow {
  total: number;
  ok: number;
  defect: number;
  uncertain: number;
  pending: number;
  failed: number;
  reviewBacklog: number;
  p50LatencyMs: number | null;
  p99LatencyMs: number | null;
}

export interface DashboardRange {
  from: Date;
  to: Date;
  cameraId?: string;
}

export interface ModelRef {
  id: string;
  name: string;
  version: number;
}

interface RawTotals {
  total: number | null;
  ok: number | null;
  defect: number | null;
  uncertain: number | null;
  pending: number | null;
  failed: number | null;
  review_backlog: number | null;
  p50: number | null;
  p99: number | null;
}

/** One select list for every aggregate, so the totals, the series and the overview count alike. */
const TOTALS = `
  count(*)::int AS total,
  count(*) FILTER (WHERE i.verdict = 'ok')::int AS ok,
  count(*) FILTER (WHERE i.verdict = 'defect')::int AS defect,
  count(*) FILTER (WHERE i.verdict = 'uncertain')::int AS uncertain,
  count(*) FILTER (WHERE i.status = 'pending')::int AS pending,
  count(*) FILTER (WHERE i.status = 'failed')::int AS failed,
  count(*) FILTER (WHERE i.review_count = 0 AND i.verdict IN ('uncertain', 'defect'))::int AS review_backlog,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY i.total_ms) AS p50,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY i.total_ms) AS p99`;

/** One line's time range: the shape inspections_line_dashboard serves as an index-only scan. */
const LINE_RANGE = `i.line_id = $1 AND i.received_at >= $2 AND i.received_at < $3 AND ($4::uuid IS NULL OR i.camera_id = $4)`;

function toTotals(row: RawTotals | undefined): TotalsRow {
  return {
    total: row?.total ?? 0,
    ok: row?.ok ?? 0,
    defect: row?.defect ?? 0,
    uncertain: row?.uncertain ?? 0,
    pending: row?.pending ?? 0,
    failed: row?.failed ?? 0,
    reviewBacklog: row?.review_backlog ?? 0,
    p50LatencyMs: row?.p50 ?? null,
    p99LatencyMs: row?.p99 ?? null,
  };
}

/** Dashboard aggregates, computed in PostgreSQL over index-only scans of one line's time range. */
@Injectable()
export class DashboardRepository {
  constructor(private readonly dataSource: DataSource) {}

  async totals(lineId: string, range: DashboardRange): Promise<TotalsRow> {
    const rows: RawTotals[] = await this.dataSource.query(
      `SELECT ${TOTALS} FROM inspections i WHERE ${LINE_RANGE}`,
      [lineId, range.from, range.to, range.cameraId ?? null],
    );
    return toTotals(rows[0]);
  }

  /** Buckets of `bucketSeconds` from `from` (date_bin), empty ones included, oldest first. */
  async series(
    lineId: string,
    range: DashboardRange,
    bucketSeconds: number,
  ): Promise<(TotalsRow & { t: Date })[]> {
    const rows: (RawTotals & { t: Date })[] = await this.dataSource.query(
      `WITH agg AS (
         SELECT date_bin(make_interval(secs => $5), i.received_at, $2::timestamptz) AS bucket, ${TOTALS}
           FROM inspections i WHERE ${LINE_RANGE}
          GROUP BY 1)
       SELECT s.t, agg.total, agg.ok, agg.defect, agg.uncertain, agg.pending, agg.failed, agg.review_backlog,
              agg.p50, agg.p99
         FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 microsecond', make_interval(secs => $5))
              AS s(t)
         LEFT JOIN agg ON agg.bucket = s.t
        ORDER BY s.t`,
      [lineId, range.from, range.to, range.cameraId ?? null, bucketSeconds],
    );
    return rows.map((row) => ({ t: row.t, ...toTotals(row) }));
  }

  /** Every camera of the line (or the one asked for) with its counts in the range. */
  async cameras(
    lineId: string,
    range: DashboardRange,
  ): Promise<{ cameraId: string; name: string; lastSeenAt: Date | null; totals: TotalsRow }[]> {
    const rows: (RawTotals & { camera_id: string; name: string; last_seen_at: Date | null })[] =
      await this.dataSource.query(
        `SELECT c.id AS camera_id, c.name, c.last_seen_at, t.*
           FROM cameras c
           CROSS JOIN LATERAL (
             SELECT ${TOTALS} FROM inspections i
              WHERE i.line_id = $1 AND i.received_at >= $2 AND i.received_at < $3 AND i.camera_id = c.id) t
          WHERE c.line_id = $1 AND ($4::uuid IS NULL OR c.id = $4)
          ORDER BY c.name`,
        [lineId, range.from, range.to, range.cameraId ?? null],
      );
    return rows.map((row) => ({
      cameraId: row.camera_id,
      name: row.name,
      lastSeenAt: row.last_seen_at,
      totals: toTotals(row),
    }));
  }

  /** Every line's totals over the range: one index-only scan per line. */
  async overview(range: {
    from: Date;
    to: Date;
  }): Promise<(TotalsRow & { lineId: string; name: string; servingModel: ModelRef | null })[]> {
    const rows: (RawTotals & {
      line_id: string;
      name: string;
      model_id: string | null;
      model_name: string | null;
      model_version: number | null;
    })[] = await this.dataSource.query(
      `SELECT l.id AS line_id, l.name, m.id AS model_id, m.name AS model_name, m.version AS model_version, t.*
         FROM production_lines l
         LEFT JOIN model_versions m
           ON m.id = coalesce(l.model_version_id, (SELECT id FROM model_versions WHERE stage = 'production'))
         CROSS JOIN LATERAL (
           SELECT ${TOTALS} FROM inspections i
            WHERE i.line_id = l.id AND i.received_at >= $1 AND i.received_at < $2) t
        ORDER BY l.name`,
      [range.from, range.to],
    );
    return rows.map((row) => ({
      lineId: row.line_id,
      name: row.name,
      servingModel:
        row.model_id !== null && row.model_name !== null && row.model_version !== null
          ? { id: row.model_id, name: row.model_name, version: row.model_version }
          : null,
      ...toTotals(row),
    }));
  }

  async line(
    lineId: string,
  ): Promise<{ id: string; name: string; servingModel: ModelRef | null; cameraIds: string[] } | null> {
    const rows: {
      id: string;
      name: string;
      model_id: string | null;
      model_name: string | null;
      model_version: number | null;
      camera_ids: string[];
    }[] = await this.dataSource.query(
      `SELECT l.id, l.name, m.id AS model_id, m.name AS model_name, m.version AS model_version,
              ARRAY(SELECT c.id::text FROM cameras c WHERE c.line_id = l.id) AS camera_ids
         FROM production_lines l
         LEFT JOIN model_versions m
           ON m.id = coalesce(l.model_version_id, (SELECT id FROM model_versions WHERE stage = 'production'))
        WHERE l.id = $1`,
      [lineId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      name: row.name,
      servingModel:
        row.model_id !== null && row.model_name !== null && row.model_version !== null
          ? { id: row.model_id, name: row.model_name, version: row.model_version }
          : null,
      cameraIds: row.camera_ids,
    };
  }
}
