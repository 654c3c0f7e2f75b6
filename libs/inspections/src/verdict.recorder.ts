import { InspectionEntity, ProductionLineEntity } from '@linescope/db';
import { type JobQueue } from '@linescope/queue';
import { type DataSource, type EntityManager } from 'typeorm';
import { type QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { type VerdictResult } from './verdict-result';

export type RecordOutcome = 'recorded' | 'already-final';

/**
 * Writes a verdict onto a pending inspection and chains what follows it, in one transaction:
 * a heatmap for DEFECT and UNCERTAIN, and a webhook when the camera was not answered with the verdict itself.
 * Whoever finishes first (the API's synchronous call or a score-inspection job) wins; the other finds the row final.
 */
export class VerdictRecorder {
  constructor(
    private readonly dataSource: DataSource,
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
    return this.dataSource.transaction(async (manager) => {
      const updated = await manager
        .createQueryBuilder()
        .update(InspectionEntity)
        .set(change)
        .where('id = :id AND status = :pending', { id: inspectionId, pending: 'pending' })
        .returning('line_id')
        .execute();
      const row = (updated.raw as { line_id: string }[])[0];
      if (!row) return 'already-final';
      const db = transactionalSql(manager);
      if (follow.heatmap) await this.queue.send('render-heatmap', { inspectionId }, { db });
      if (follow.notifyWebhook && (await hasWebhook(manager, row.line_id)))
        await this.queue.send('notify-webhook', { inspectionId }, { db });
      return 'recorded';
    });
  }
}

async function hasWebhook(manager: EntityManager, lineId: string): Promise<boolean> {
  const line = await manager.getRepository(ProductionLineEntity).findOneBy({ id: lineId });
  return Boolean(line?.webhookUrl);
}

/** Lets pg-boss insert a job on the transaction's own connection. */
export function transactionalSql(manager: EntityManager) {
  return {
    executeSql: async (text: string, values: unknown[]) => ({
      rows: await manager.query<unknown[]>(text, values),
    }),
  };
}
