import { JobQueue } from '@linescope/queue';
import { type ObjectStore } from '@linescope/storage';
import { waitFor } from '../../support/processes';
import { type UploadRecord } from './camera';
import { type Installation } from './installation';

interface Row {
  id: string;
  idempotency_key: string | null;
  image_key: string;
  status: string;
}

export interface Reconciliation {
  rows: number;
  /** Acknowledged uploads without exactly one row (the acknowledged one) and its object. */
  lost: string[];
  /** Rows of this camera whose object is missing (acknowledged or not). */
  rowsWithoutObject: string[];
  /** Objects under images/ that no row references, after the orphan sweep ran. */
  orphans: string[];
  /** Rows pending when the stream ended and the product was whole again (scored later, or stuck). */
  pendingAfterStream: number;
  /** Rows still pending once the installation had `pendingTimeoutMs` to recover. */
  pending: number;
  sweptOrphans: number;
}

/** Runs the product's orphan sweep (the `sweep-orphans` job, as the hourly schedule sends it) and waits for it. */
export async function runOrphanSweep(installation: Installation, olderThanSeconds: number): Promise<number> {
  const queue = new JobQueue({ databaseUrl: await installation.databaseUrl() });
  await queue.start();
  try {
    let jobId: string | null = null;
    await waitFor(
      async () => (jobId = await queue.send('sweep-orphans', { olderThanSeconds })) !== null,
      30_000,
      'a sweep-orphans job queued (at most one waits at a time)',
    );
    let output: { deleted?: number } = {};
    await waitFor(
      async () => {
        const job = await queue.getJob('sweep-orphans', jobId!);
        if (job?.state === 'failed')
          throw new Error(`the orphan sweep failed: ${JSON.stringify(job.output)}`);
        output = job?.output ?? {};
        return job?.state === 'completed';
      },
      60_000,
      'the orphan sweep completed',
    );
    return output.deleted ?? 0;
  } finally {
    await queue.stop(5_000);
  }
}

/**
 * After a fault: every acknowledged upload has exactly one row (the one it was answered with) and one object; no
 * row lacks its object; once the sweep ran, no object lacks its row; and nothing stays pending.
 */
export async function reconcile(
  installation: Installation,
  store: ObjectStore,
  cameraId: string,
  records: UploadRecord[],
  pendingTimeoutMs: number,
): Promise<Reconciliation> {
  const pendingOf = async () =>
    Number(
      (
        await installation.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM inspections WHERE camera_id = $1 AND status = 'pending'`,
          [cameraId],
        )
      )[0].n,
    );
  let pending = await pendingOf();
  const pendingAfterStream = pending;
  const deadline = Date.now() + pendingTimeoutMs;
  while (pending > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    pending = await pendingOf();
  }

  const sweptOrphans = await runOrphanSweep(installation, 1);
  const rows = await installation.query<Row>(
    `SELECT id, idempotency_key, image_key, status FROM inspections WHERE camera_id = $1`,
    [cameraId],
  );
  const byKey = new Map<string, Row[]>();
  for (const row of rows)
    byKey.set(row.idempotency_key ?? '', [...(byKey.get(row.idempotency_key ?? '') ?? []), row]);

  const rowsWithoutObject: string[] = [];
  const present = new Set<string>();
  for (const row of rows)
    if (await store.exists(row.image_key)) present.add(row.id);
    else rowsWithoutObject.push(row.id);

  const lost: string[] = [];
  for (const record of records) {
    if (!record.acknowledged) continue;
    const matching = byKey.get(record.idempotencyKey) ?? [];
    if (
      matching.length !== 1 ||
      matching[0].id !== record.acknowledged.inspectionId ||
      !present.has(matching[0].id)
    )
      lost.push(record.idempotencyKey);
  }

  const referenced = new Set(
    (await installation.query<{ key: string }>(`SELECT image_key AS key FROM inspections`)).map((r) => r.key),
  );
  const orphans: string[] = [];
  for await (const object of store.list('images/')) if (!referenced.has(object.key)) orphans.push(object.key);

  return { rows: rows.length, lost, rowsWithoutObject, orphans, pendingAfterStream, pending, sweptOrphans };
}
