import { Injectable } from '@nestjs/common';
import {
  DatabaseTransactions,
  type InspectionEntity,
  InspectionRepository,
  type LatencyBreakdown,
  ProductionLineRepository,
} from '@linescope/db';
import { JobQueue } from '@linescope/queue';
import { type QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { type VerdictResult } from './verdict-result';

export type RecordOutcome = 'recorded' | 'already-final';

/**
 * Writes a verdict onto a pending inspection and chains what follows it, in one transaction:
 * a heatmap job for DEFECT and UNCERTAIN unless the heatmap is already attached, and a webhook when the camera was not answered with the verdict itself.
 * Whoever finishes first (the API's synchronous call, the inference service finishing after the API stopped
 * waiting, or a score-inspection job) wins; the others find the row final.
 */
@Injectable()
export class VerdictRecorder {
  constructor(
    private readonly transactions: DatabaseTransactions,
    private readonly inspections: InspectionRepository,
    private readonly queue: JobQueue,
  ) {}

  async record(
    inspectionId: string,
    result: VerdictResult,
    options: { notifyWebhook: boolean },
  ): Promise<RecordOutcome> {
    return (await this.recordReturning(inspectionId, result, options)) ? 'recorded' : 'already-final';
  }

  /** Like `record`, answering the scored row from the write itself, or null when it was already final. */
  async recordReturning(
    inspectionId: string,
    result: VerdictResult,
    options: { notifyWebhook: boolean },
  ): Promise<InspectionEntity | null> {
    const change = {
      status: 'scored' as const,
      verdict: result.verdict,
      score: result.score,
      probabilities: result.probabilities,
      modelVersionId: result.modelVersionId,
      // A row that waited for a model carried the reason; a verdict ends the wait.
      failureReason: null,
      scoredAt: () => 'now()',
    };
    return this.finishPending(inspectionId, change, result.latency, {
      ...options,
      heatmap: result.verdict !== 'ok',
    });
  }

  /** Marks a pending inspection failed (e.g. no model serves its line), notifying like a verdict would. */
  async fail(
    inspectionId: string,
    reason: string,
    options: { notifyWebhook: boolean },
  ): Promise<RecordOutcome> {
    const change = { status: 'failed' as const, failureReason: reason };
    const failed = await this.finishPending(inspectionId, change, undefined, { ...options, heatmap: false });
    return failed ? 'recorded' : 'already-final';
  }

  /** The latency given is merged into the row's own (what the API measured before scoring stays). */
  private async finishPending(
    inspectionId: string,
    change: QueryDeepPartialEntity<InspectionEntity>,
    latency: LatencyBreakdown | undefined,
    follow: { notifyWebhook: boolean; heatmap: boolean },
  ): Promise<InspectionEntity | null> {
    // Nothing to chain (an OK answered to the camera): one statement needs no transaction.
    if (!follow.heatmap && !follow.notifyWebhook)
      return this.inspections.finishPending(inspectionId, change, latency);
    return this.transactions.run(async (tx) => {
      const finished = await tx.get(InspectionRepository).finishPending(inspectionId, change, latency);
      if (!finished) return null;
      // A GAP CNN's verdict arrives with its heatmap already stored (the inference service attached it): no job.
      if (follow.heatmap && finished.heatmapKey === null)
        await this.queue.send('render-heatmap', { inspectionId }, { db: tx.jobs });
      if (follow.notifyWebhook && (await hasWebhook(tx.get(ProductionLineRepository), finished.lineId)))
        await this.queue.send('notify-webhook', { inspectionId }, { db: tx.jobs });
      return finished;
    });
  }
}

async function hasWebhook(lines: ProductionLineRepository, lineId: string): Promise<boolean> {
  const line = await lines.findById(lineId);
  return Boolean(line?.webhookUrl);
}
