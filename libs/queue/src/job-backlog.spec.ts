import { randomUUID } from 'node:crypto';
import { createEmptyDatabase, type TestDatabase } from '../../../test/support/database';
import { BACKLOG_TRIM_EVERY_MS, JobQueue } from './job-queue';

describe('bounded job backlogs (heatmaps) on a real PostgreSQL', () => {
  let db: TestDatabase;
  let queue: JobQueue;
  const LIMIT = 10;

  beforeAll(async () => {
    db = await createEmptyDatabase();
    queue = new JobQueue({
      databaseUrl: db.url,
      pollingIntervalSeconds: 0.5,
      backlogLimits: { 'render-heatmap': LIMIT },
    });
    await queue.start();
  });
  afterAll(async () => {
    await queue.stop(2_000);
    await db.drop();
  });

  const waiting = async (): Promise<string[]> => {
    const rows = await (
      queue as unknown as {
        query(text: string, values: unknown[]): Promise<{ data: { inspectionId: string } }[]>;
      }
    ).query(
      `SELECT data FROM pgboss.job WHERE name = 'render-heatmap' AND state = 'created' ORDER BY created_on`,
      [],
    );
    return rows.map((row) => row.data.inspectionId);
  };

  it('trimBacklog keeps the newest waiting jobs and drops the stale ones', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 35; i++) {
      const inspectionId = randomUUID();
      sent.push(inspectionId);
      await queue.send('render-heatmap', { inspectionId });
    }
    expect(await queue.trimBacklog('render-heatmap', LIMIT)).toBe(25);
    expect(await waiting()).toEqual(sent.slice(-LIMIT));
    expect(await queue.trimBacklog('render-heatmap', LIMIT)).toBe(0);
    expect(await queue.trimBacklog('render-heatmap', 0)).toBe(LIMIT);
    expect(await waiting()).toEqual([]);
  });

  it('while a worker is busy, uploads at 20/s never leave more than the limit waiting', async () => {
    let release!: () => void;
    const busy = new Promise<void>((resolve) => (release = resolve));
    const started: string[] = [];
    await queue.work(
      'inference',
      {
        'score-inspection': async () => ({ status: 'done' }),
        'score-awaiting-model': async () => ({ status: 'done' }),
        // A renderer that cannot keep up: it takes one job and holds it.
        'render-heatmap': async ({ inspectionId }) => {
          started.push(inspectionId);
          await busy;
          return { status: 'done' };
        },
      },
      { 'render-heatmap': 1 },
    );
    const peaks: number[] = [];
    const sendEveryMs = 50; // 20 per second
    const sendFor = 4 * BACKLOG_TRIM_EVERY_MS;
    const sent: string[] = [];
    const until = Date.now() + sendFor;
    while (Date.now() < until) {
      const inspectionId = randomUUID();
      sent.push(inspectionId);
      await queue.send('render-heatmap', { inspectionId });
      await new Promise((resolve) => setTimeout(resolve, sendEveryMs));
      if (sent.length % 10 === 0) peaks.push(await queue.countJobs('render-heatmap', 'created'));
    }
    await new Promise((resolve) => setTimeout(resolve, BACKLOG_TRIM_EVERY_MS + 500));
    const left = await waiting();
    release();
    expect(sent.length).toBeGreaterThan(4 * LIMIT);
    // Bounded: between two trims at most (20/s x trim period) arrive on top of the limit.
    const slack = Math.ceil((BACKLOG_TRIM_EVERY_MS / 1000) * 20) + 10;
    expect(Math.max(...peaks)).toBeLessThanOrEqual(LIMIT + slack);
    // After a trim only the newest are left: the stale ones were dropped.
    expect(left.length).toBeLessThanOrEqual(LIMIT);
    expect(left).toEqual(sent.filter((id) => !started.includes(id)).slice(-left.length));
  }, 60_000);
});
