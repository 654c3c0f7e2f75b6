import { Injectable } from '@nestjs/common';
import {
  type DashboardRangeQueryDto,
  type LineDashboardDto,
  type LineDashboardQueryDto,
  type OverviewDto,
  type TotalsDto,
} from '../dtos/dashboard.dto';
import { ApiError } from '../errors/api-error';
import { DashboardRepository, type TotalsRow } from '../repositories/dashboard.repository';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 400;
const TARGET_POINTS = 200;
/** Bucket sizes a person reads easily, smallest first. */
export const BUCKET_SECONDS = [60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86_400];

/** The smallest bucket that keeps the series at most ~200 points (1 day at most, so 400 days give 400). */
export function bucketFor(rangeMs: number): number {
  return BUCKET_SECONDS.find((seconds) => rangeMs / (seconds * 1000) <= TARGET_POINTS) ?? 86_400;
}

export function withRates(row: TotalsRow, periodMs: number): TotalsDto {
  const scored = row.ok + row.defect + row.uncertain;
  return {
    ...row,
    defectRate: scored ? row.defect / scored : 0,
    uncertainRate: scored ? row.uncertain / scored : 0,
    throughputPerMinute: periodMs > 0 ? row.total / (periodMs / 60_000) : 0,
  };
}

/** Line dashboards: throughput, verdict mix, rates, backlog and latency, aggregated in PostgreSQL. */
@Injectable()
export class DashboardService {
  constructor(private readonly dashboards: DashboardRepository) {}

  async line(lineId: string, query: LineDashboardQueryDto): Promise<LineDashboardDto> {
    const { from, to } = resolveRange(query);
    const line = await this.dashboards.line(lineId);
    if (!line) throw new ApiError(404, 'line_not_found', `no production line ${lineId}`);
    if (query.cameraId && !line.cameraIds.includes(query.cameraId))
      throw new ApiError(404, 'camera_not_found', `line ${lineId} has no camera ${query.cameraId}`);
    const range = { from, to, cameraId: query.cameraId };
    const periodMs = to.getTime() - from.getTime();
    const bucketSeconds = bucketFor(periodMs);
    const [totals, series, cameras] = await Promise.all([
      this.dashboards.totals(lineId, range),
      this.dashboards.series(lineId, range, bucketSeconds),
      this.dashboards.cameras(lineId, range),
    ]);
    return {
      line: { id: line.id, name: line.name },
      from: from.toISOString(),
      to: to.toISOString(),
      bucketSeconds,
      servingModel: line.servingModel,
      totals: withRates(totals, periodMs),
      series: series.map((point) => {
        // The last bucket may be cut short by `to`.
        const bucketMs = Math.min(bucketSeconds * 1000, to.getTime() - point.t.getTime());
        return { t: point.t.toISOString(), ...withRates(point, bucketMs) };
      }),
      cameras: cameras.map((camera) => {
        const rates = withRates(camera.totals, periodMs);
        return {
          cameraId: camera.cameraId,
          name: camera.name,
          lastSeenAt: camera.lastSeenAt?.toISOString() ?? null,
          total: camera.totals.total,
          defectRate: rates.defectRate,
          uncertainRate: rates.uncertainRate,
        };
      }),
    };
  }

  async overview(query: DashboardRangeQueryDto): Promise<OverviewDto> {
    const { from, to } = resolveRange(query);
    const periodMs = to.getTime() - from.getTime();
    const lines = await this.dashboards.overview({ from, to });
    return {
      lines: lines.map(({ lineId, name, servingModel, ...totals }) => ({
        lineId,
        name,
        servingModel,
        ...withRates(totals, periodMs),
      })),
    };
  }
}

function resolveRange(query: DashboardRangeQueryDto): { from: Date; to: Date } {
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - DAY_MS);
  if (from >= to) throw new ApiError(400, 'invalid_range', '`from` must be before `to`');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS)
    throw new ApiError(400, 'invalid_range', `the range may span at most ${MAX_RANGE_DAYS} days`);
  return { from, to };
}
