import { Inject, Injectable } from '@nestjs/common';
import { InspectionRepository, ObjectReferenceRepository } from '@linescope/db';
import { LOGGER, OBJECT_STORE } from '@linescope/platform';
import { type ObjectInfo, type ObjectStore } from '@linescope/storage';
import { type Logger } from 'pino';
import { JobQueue } from '@linescope/queue';

/** Object-store prefixes whose objects must be referenced by an inspection row. */
export const SWEPT_PREFIXES = ['images/', 'heatmaps/'];
/** Uploads write the object before the row commits; younger objects may still be in flight. */
export const DEFAULT_ORPHAN_GRACE_SECONDS = 3600;
const BATCH = 500;
const STALE_PENDING_SECONDS = 600;

export interface SweepReport {
  scanned: number;
  deleted: string[];
}

/** Deletes stored images and heatmaps that no inspection row references (left by a failed database write). */
@Injectable()
export class OrphanSweepService {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly references: ObjectReferenceRepository,
    private readonly inspections: InspectionRepository,
    private readonly queue: JobQueue,
  ) {}

  async sweep(olderThanSeconds = DEFAULT_ORPHAN_GRACE_SECONDS, now = new Date()): Promise<SweepReport> {
    const cutoff = now.getTime() - olderThanSeconds * 1000;
    const report: SweepReport = { scanned: 0, deleted: [] };
    for (const prefix of SWEPT_PREFIXES) {
      let batch: ObjectInfo[] = [];
      for await (const object of this.store.list(prefix)) {
        report.scanned += 1;
        if (object.lastModified.getTime() > cutoff) continue;
        batch.push(object);
        if (batch.length === BATCH) {
          report.deleted.push(...(await this.deleteUnreferenced(batch)));
          batch = [];
        }
      }
      report.deleted.push(...(await this.deleteUnreferenced(batch)));
    }
    if (report.deleted.length) this.logger.warn({ count: report.deleted.length }, 'orphan objects deleted');
    return report;
  }

  /**
   * Inspections still pending well after their upload lost their scoring job (the enqueue after a sync timeout
   * failed, or a job ran out of retries while no model served the line): queue them again.
   */
  async requeueStalePending(olderThanSeconds = STALE_PENDING_SECONDS): Promise<number> {
    const ids = await this.inspections.findStalePending(olderThanSeconds, 1000);
    for (const id of ids) await this.queue.send('score-inspection', { inspectionId: id });
    if (ids.length) this.logger.warn({ count: ids.length }, 'stale pending inspections queued again');
    return ids.length;
  }

  private async deleteUnreferenced(batch: ObjectInfo[]): Promise<string[]> {
    const referenced = await this.references.findReferenced(batch.map((o) => o.key));
    const orphans = batch.filter((o) => !referenced.has(o.key)).map((o) => o.key);
    for (const key of orphans) await this.store.delete(key);
    return orphans;
  }
}
