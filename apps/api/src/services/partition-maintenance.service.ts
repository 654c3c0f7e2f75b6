import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG, LOGGER } from '@linescope/platform';
import { type Logger } from 'pino';
import { InspectionPartitionRepository } from '../repositories/inspection-partition.repository';

const DAY_MS = 86_400_000;

export interface PartitionReport {
  /** Partitions of today and the days ahead, existing or new. */
  ensured: string[];
  dropped: string[];
  /** Past the retention, kept because a row is reviewed or in a label set. */
  kept: string[];
}

function utcDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/**
 * Keeps inspections' day partitions: today's and INSPECTION_PARTITIONS_AHEAD_DAYS more exist before rows arrive
 * (else they land in DEFAULT), and with INSPECTION_ROW_RETENTION_DAYS set, days that ended longer ago than that are
 * dropped whole, except those holding a reviewed or labelled row.
 */
@Injectable()
export class PartitionMaintenanceService {
  constructor(
    private readonly partitions: InspectionPartitionRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async maintain(now = new Date()): Promise<PartitionReport> {
    const { aheadDays, rowRetentionDays } = this.config.inspectionPartitions;
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const ahead = Array.from({ length: aheadDays + 1 }, (_, n) => utcDay(today + n * DAY_MS));
    const report: PartitionReport = { ensured: await this.partitions.create(ahead), dropped: [], kept: [] };
    if (rowRetentionDays === null) return report;

    // A day is dropped once all of it is older than the retention: rows live between N and N + 1 days.
    const cutoff = utcDay(today - rowRetentionDays * DAY_MS);
    for (const day of await this.partitions.days()) {
      if (day >= cutoff) break;
      const result = await this.partitions.drop(day);
      if (result === 'dropped') report.dropped.push(day);
      if (result === 'kept') report.kept.push(day);
    }
    if (report.dropped.length) this.logger.info({ days: report.dropped }, 'inspection partitions dropped');
    if (report.kept.length)
      this.logger.info(
        { days: report.kept },
        'inspection partitions past retention kept: reviewed or labelled rows',
      );
    return report;
  }
}
