import { Injectable } from '@nestjs/common';
import {
  DatabaseTransactions,
  type InspectionEntity,
  InspectionRepository,
  ProductionLineRepository,
} from '@linescope/db';
import { JobQueue } from '@linescope/queue';
import { type QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { type VerdictResult } from './verdict-result';

export type RecordOutcome = 'recorded' | 'already-final';

/**
 * Writes a verdict onto a pending inspection and chains what follows it, in one transaction:
 * a heatmap job for DEFECT and UNCERTAIN unless the heatmap is already attached, and a webhook when the camera was not answered with the verdict itself.
 * Whoever finishes first (the API's synchronous call or a score-inspection job) wins; the other finds the row final.
 */
@Injectable()
export class VerdictRecorder {
  constructor(
    private readonly transactions: DatabaseTransactions,
    private readonly queue: JobQueue,
  ) {}

  async record(
    inspectionId: string,
    result: VerdictResult,
    options: { notifyWebhook: boolean },
  ): Promise<RecordOutcome> {
    const change = {
      status: 'scored' as const,
      verdict: result.verdict,
      score: result.score,
      probabilities: result.probabilities,
      modelVersionId: result.modelVersionId,
      latency: result.latency,
      // A row that waited for a model carried the reason; a verdict ends the wait.
      failureReason: null,
      scoredAt: () => 'now()',
    };
    return this.finishPending(inspectionId, change, { ...options, heatmap: result.verdict !== 'ok' });
  }

  /** Marks a pending inspection failed (e.g. no model serves its line), notifying like a verdict would. */
  async fail(
    inspectionId: string,
    reason: string,
    options: { notifyWebhook: boolean },
  ): Promise<RecordOutcome> {
    const change = { status: 'failed' as const, failureReason: reason };
    return this.finishPending(inspectionId, change, { ...options, heatmap: false });
  }

  private async finishPending(
    inspectionId: string,
    change: QueryDeepPartialEntity<InspectionEntity>,
    follow: { notifyWebhook: boolean; heatmap: boolean },
  ): Promise<RecordOutcome> {
    return this.transactions.run(async (tx) => {
      const finished = await tx.get(InspectionRepository).finishPending(inspectionId, change);
      if (!finished) return 'already-final';
      // A GAP CNN's verdict arrives with its heatmap already stored (the inference service attached it): no job.
      if (follow.heatmap && finished.heatmapKey === null)
        await this.queue.send('render-heatmap', { inspectionId }, { db: tx.jobs });
      if (follow.notifyWebhook && (await hasWebhook(tx.get(ProductionLineRepository), finished.lineId)))
        await this.queue.send('notify-webhook', { inspectionId }, { db: tx.jobs });
      return 'recorded';
    });
  }
}

async function hasWebhook(lines: ProductionLineRepository, lineId: string): Promise<boolean> {
  const line = await lines.findById(lineId);
  return Boolean(line?.webhookUrl);
}
