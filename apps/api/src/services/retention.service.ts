import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { AuditRepository, DatabaseTransactions } from '@linescope/db';
import { APP_CONFIG, LOGGER, OBJECT_STORE } from '@linescope/platform';
import { type ObjectStore } from '@linescope/storage';
import { randomUUID } from 'node:crypto';
import { type Logger } from 'pino';
import {
  type LinePreview,
  type PurgeCandidate,
  RetentionRepository,
  type RetentionLine,
} from '../repositories/retention.repository';
import { thumbnailKey } from './thumbnail.service';

/** Rows claimed (and locked) per transaction: their objects are deleted while the locks hold. */
export const RETENTION_BATCH = 100;
const DELETE_CONCURRENCY = 8;

export interface RetentionRunOptions {
  batchSize?: number;
  /** Who asked: a person's id, or null for the daily schedule. */
  actorId?: string | null;
}

export interface RetentionReport {
  runId: string;
  rowsPurged: number;
  objectsDeleted: number;
  /** Objects a row named that were already gone (a run cut short deleted them before its rows were marked). */
  objectsAlreadyGone: number;
  imageBytes: number;
  batches: number;
  ms: number;
  lines: { lineId: string; name: string; rowsPurged: number }[];
}

export interface RetentionPreviewLine extends LinePreview {
  lineId: string;
  name: string;
  okDays: number;
  flaggedDays: number;
  reviewedDays: number;
}

/**
 * Deletes the images (with their heatmaps and thumbnails) that the retention policy no longer keeps, and marks
 * their rows purged. Per batch, in one transaction: claim rows FOR UPDATE SKIP LOCKED (so many instances share the
 * work), delete their objects, mark the rows. A run killed mid-batch leaves its rows unmarked and unlocked: the next
 * run claims them again and finds some objects already gone, and never touches a row already marked.
 */
@Injectable()
export class RetentionService {
  constructor(
    private readonly transactions: DatabaseTransactions,
    private readonly retention: RetentionRepository,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async preview(): Promise<RetentionPreviewLine[]> {
    const lines = await this.retention.lines(this.config.retention);
    const previews: RetentionPreviewLine[] = [];
    for (const line of lines)
      previews.push({
        lineId: line.id,
        name: line.name,
        ...line.days,
        ...(await this.retention.preview(line)),
      });
    return previews;
  }

  async run(options: RetentionRunOptions = {}): Promise<RetentionReport> {
    const started = Date.now();
    const batchSize = options.batchSize ?? RETENTION_BATCH;
    const report: RetentionReport = {
      runId: randomUUID(),
      rowsPurged: 0,
      objectsDeleted: 0,
      objectsAlreadyGone: 0,
      imageBytes: 0,
      batches: 0,
      ms: 0,
      lines: [],
    };
    for (const line of await this.retention.lines(this.config.retention)) {
      const purged = await this.runLine(line, batchSize, report);
      if (purged) report.lines.push({ lineId: line.id, name: line.name, rowsPurged: purged });
    }
    report.ms = Date.now() - started;
    await this.transactions.run((tx) =>
      tx.get(AuditRepository).append({
        actorType: options.actorId ? 'user' : 'system',
        actorId: options.actorId ?? null,
        action: 'retention.run',
        targetType: 'retention_run',
        targetId: report.runId,
        details: { ...report },
      }),
    );
    this.logger.info({ ...report, lines: report.lines.length }, 'retention run finished');
    return report;
  }

  private async runLine(line: RetentionLine, batchSize: number, report: RetentionReport): Promise<number> {
    let purged = 0;
    let after: { receivedAt: Date; id: string } | null = null;
    for (;;) {
      const claimed = await this.transactions.run(async (tx) => {
        const rows = await tx.get(RetentionRepository).claimDue(line, after, batchSize);
        if (rows.length === 0) return rows;
        await this.deleteObjects(rows, report);
        const marked = await tx.get(RetentionRepository).markPurged(rows.map((row) => row.id));
        purged += marked;
        report.rowsPurged += marked;
        report.imageBytes += rows.reduce((sum, row) => sum + row.imageBytes, 0);
        report.batches += 1;
        return rows;
      });
      if (claimed.length < batchSize) return purged;
      const last = claimed[claimed.length - 1];
      after = { receivedAt: last.receivedAt, id: last.id };
    }
  }

  /** Every object of the rows, deleted if present; throws (rolling the batch back) if the store fails. */
  private async deleteObjects(rows: PurgeCandidate[], report: RetentionReport): Promise<void> {
    const keys = rows.flatMap((row) => [
      row.imageKey,
      ...(row.heatmapKey ? [row.heatmapKey] : []),
      thumbnailKey(row.id),
    ]);
    const thumbnails = new Set(rows.map((row) => thumbnailKey(row.id)));
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++];
        if (await this.store.exists(key)) {
          await this.store.delete(key);
          report.objectsDeleted += 1;
        } else if (!thumbnails.has(key)) {
          // Thumbnails exist only for images someone looked at: a missing one is the rule, not a resumed run.
          report.objectsAlreadyGone += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, keys.length) }, worker));
  }
}
