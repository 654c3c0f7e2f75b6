import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createEmptyDatabase, type TestDatabase } from '../../../test/support/database';
import { type JobHandlerMap, MissingJobHandlerError } from './job-handlers';
import { InvalidJobPayloadError, type JobKind, jobKindsFor } from './job-kinds';
import { JobQueue, type JobState } from './job-queue';

async function waitForState(
  queue: JobQueue,
  kind: JobKind,
  id: string,
  states: JobState[],
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.getJob(kind, id);
    if (job && states.includes(job.state)) return job;
    if (Date.now() > deadline)
      throw new Error(`job ${id} still ${job?.state ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('JobQueue (pg-boss on a real PostgreSQL)', () => {
  let db: TestDatabase;
  let queue: JobQueue;

  beforeAll(async () => {
    db = await createEmptyDatabase();
    queue = new JobQueue({ databaseUrl: db.url, pollingIntervalSeconds: 0.5 });
    await queue.start();
  });
  afterAll(async () => {
    await queue.stop(2_000);
    await db.drop();
  });

  it('routes every job kind to exactly one app', () => {
    expect(jobKindsFor('inference')).toEqual(['score-inspection', 'score-awaiting-model', 'render-heatmap']);
    expect(jobKindsFor('trainer')).toEqual(['train-model', 'evaluate-model']);
    expect(jobKindsFor('api')).toEqual([
      'notify-webhook',
      'sweep-orphans',
      'apply-retention',
      'maintain-partitions',
    ]);
  });

  it('refuses to start workers when a job kind has no handler', async () => {
    const incomplete = { 'score-inspection': async () => ({ status: 'done' as const }) };
    await expect(
      queue.work('inference', incomplete as unknown as JobHandlerMap<'inference'>),
    ).rejects.toThrow(new MissingJobHandlerError('inference', ['score-awaiting-model', 'render-heatmap']));
  });

  it('rejects payloads that are not ids, such as image bytes', async () => {
    await expect(
      queue.send('score-inspection', { inspectionId: randomUUID(), image: 'AAAA' } as never),
    ).rejects.toBeInstanceOf(InvalidJobPayloadError);
    await expect(queue.send('score-inspection', { inspectionId: 'not-a-uuid' })).rejects.toThrow(
      /Invalid uuid/,
    );
  });

  it('delivers jobs to a worker, records completion, retries failures and keeps failed jobs visible', async () => {
    const attempts = new Map<string, number>();
    const alwaysFails = randomUUID();
    const failsOnce = randomUUID();
    const healthy = randomUUID();
    await queue.work('trainer', {
      'train-model': async ({ trainingJobId }, { retryCount }) => {
        attempts.set(trainingJobId, (attempts.get(trainingJobId) ?? 0) + 1);
        if (trainingJobId === alwaysFails) throw new Error('out of memory');
        if (trainingJobId === failsOnce && retryCount === 0) throw new Error('transient');
        return { status: 'done', detail: { trainingJobId } };
      },
      'evaluate-model': async () => ({ status: 'skipped', reason: 'model version is gone' }),
    });

    // Retries fast for the test: the kind's own delay is 30 s. The worker may already have failed the job once
    // (a loaded machine) and scheduled its retry 30 s ahead: that retry is brought forward too.
    const send = (id: string) =>
      queue.send('train-model', { trainingJobId: id }).then(async (jobId) => {
        const client = new Client({ connectionString: db.url });
        await client.connect();
        await client.query(
          `UPDATE pgboss.job
              SET retry_delay = 0, retry_backoff = false, retry_limit = 1,
                  start_after = CASE WHEN state = 'retry' THEN now() ELSE start_after END
            WHERE id = $1`,
          [jobId],
        );
        await client.end();
        return jobId!;
      });
    const [okId, onceId, failId] = await Promise.all([send(healthy), send(failsOnce), send(alwaysFails)]);

    const ok = await waitForState(queue, 'train-model', okId, ['completed']);
    expect(ok.output).toEqual({ status: 'done', detail: { trainingJobId: healthy } });

    const once = await waitForState(queue, 'train-model', onceId, ['completed']);
    expect(once.retryCount).toBe(1);
    expect(attempts.get(failsOnce)).toBe(2);

    const failed = await waitForState(queue, 'train-model', failId, ['failed']);
    expect(attempts.get(alwaysFails)).toBe(2);
    expect(JSON.stringify(failed.output)).toContain('out of memory');
    expect(await queue.countJobs('train-model', 'failed')).toBe(1);

    const evalId = await queue.send('evaluate-model', { modelVersionId: randomUUID() });
    const skipped = await waitForState(queue, 'evaluate-model', evalId!, ['completed']);
    expect(skipped.output).toEqual({ status: 'skipped', reason: 'model version is gone' });
  });

  it('keeps at most one orphan sweep waiting', async () => {
    const first = await queue.send('sweep-orphans', {});
    const second = await queue.send('sweep-orphans', { olderThanSeconds: 60 });
    expect(first).toEqual(expect.any(String));
    expect(second).toBeNull();
  });

  it('enqueues inside a transaction only when it commits', async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const executeSql = async (text: string, values: unknown[]) => ({
      rows: (await client.query(text, values)).rows,
    });
    try {
      await client.query('BEGIN');
      const rolledBack = await queue.send(
        'render-heatmap',
        { inspectionId: randomUUID() },
        { db: { executeSql } },
      );
      await client.query('ROLLBACK');
      expect(await queue.getJob('render-heatmap', rolledBack!)).toBeNull();

      await client.query('BEGIN');
      const committed = await queue.send(
        'render-heatmap',
        { inspectionId: randomUUID() },
        { db: { executeSql } },
      );
      await client.query('COMMIT');
      expect((await queue.getJob('render-heatmap', committed!))?.state).toBe('created');
    } finally {
      await client.end();
    }
  });
});
