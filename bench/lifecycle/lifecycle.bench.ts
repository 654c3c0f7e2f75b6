import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createDataSource, InspectionRepository } from '@linescope/db';
import { DashboardRepository } from '../../apps/api/src/repositories/dashboard.repository';
import { InspectionPartitionRepository } from '../../apps/api/src/repositories/inspection-partition.repository';
import { ReviewQueueRepository } from '../../apps/api/src/repositories/review-queue.repository';
import { bucketFor } from '../../apps/api/src/services/dashboard.service';
import { loadSyntheticInspections } from '../../test/support/synthetic-inspections';
import { benchDatabase } from '../support/bench-env';
import { markdownTable } from '../support/table';

/**
 * bench/lifecycle: the console's reads on a large partitioned inspections table, and dropping a day.
 * Loads N synthetic rows (generate_series, a day partition at a time) over 90 days on 4 lines into a database of
 * its own, then times on a warm cache the review queue (counts, and claiming 10 items), a filtered list page and a
 * 30-day line dashboard (totals and series), p50/p99 over --runs, and dropping the oldest whole day's partition.
 *   node dist/bench/lifecycle/lifecycle.bench.js [--rows 20000000] [--days 90] [--runs 50]
 */
const DAY_MS = 86_400_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function timed(runs: number, work: () => Promise<unknown>, after?: () => Promise<unknown>) {
  for (let i = 0; i < 3; i += 1) {
    await work();
    await after?.();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
    await after?.();
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '20000000' },
      days: { type: 'string', default: '90' },
      runs: { type: 'string', default: '50' },
    },
  });
  const rows = Number(values.rows);
  const days = Number(values.days);
  const runs = Number(values.runs);
  const db = await benchDatabase();
  const ds = createDataSource({ url: db.url, poolSize: 2 });
  try {
    const loadStarted = performance.now();
    const data = await loadSyntheticInspections(db.url, {
      rows,
      days,
      lines: 4,
      progress: (day, total) => {
        if (day % 10 === 0 || day === total) process.stderr.write(`loaded ${day}/${total} days\n`);
      },
    });
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    await ds.initialize();
    const sizes: { inspections: string; keys: string; partitions: number }[] = await ds.query(
      `SELECT pg_size_pretty((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits
                               WHERE inhparent = 'inspections'::regclass)) AS inspections,
              pg_size_pretty(pg_total_relation_size('inspection_keys')) AS keys,
              (SELECT count(*)::int FROM pg_inherits WHERE inhparent = 'inspections'::regclass) AS partitions`,
    );
    const reviewer: { id: string }[] = await ds.query(`SELECT id FROM users LIMIT 1`);
    const userId = reviewer[0].id;
    const inspections = new InspectionRepository(ds.manager);
    const queue = new ReviewQueueRepository(ds.manager);
    const dashboards = new DashboardRepository(ds.manager);
    const partitions = new InspectionPartitionRepository(ds.manager);
    const line = data.lineIds[0];
    const to = data.end;
    const from30 = new Date(to.getTime() - 30 * DAY_MS);
    const bucket = bucketFor(30 * DAY_MS);
    let claimed: string[] = [];

    const table: (string | number)[][] = [];
    const add = (name: string, result: { p50: number; p99: number }) =>
      table.push([name, result.p50, result.p99]);
    add('review queue: counts (whole backlog)', await timed(runs, () => queue.counts({}, userId)));
    add(
      'review queue: claim 10 items',
      await timed(
        runs,
        async () => {
          claimed = await queue.claim(userId, {}, 10, [], 60);
        },
        () => queue.release(userId, claimed),
      ),
    );
    add(
      'list page: line + defect, newest 50',
      await timed(runs, () => inspections.list({ lineId: line, verdict: 'defect' }, 51)),
    );
    add(
      'list page: line, last 7 days, page 2',
      await timed(runs, async () => {
        const page = await inspections.list(
          { lineId: line, from: new Date(to.getTime() - 7 * DAY_MS).toISOString(), to: to.toISOString() },
          51,
        );
        const last = page[page.length - 1];
        await inspections.list(
          { lineId: line, after: { receivedAt: last.receivedAt.toISOString(), id: last.id } },
          51,
        );
      }),
    );
    add(
      'dashboard 30 days: line totals',
      await timed(runs, () => dashboards.totals(line, { from: from30, to })),
    );
    add(
      `dashboard 30 days: line series (${bucket / 3600} h buckets)`,
      await timed(runs, () => dashboards.series(line, { from: from30, to }, bucket)),
    );
    add(
      'dashboard 30 days: overview (4 lines)',
      await timed(Math.max(5, Math.round(runs / 5)), () => dashboards.overview({ from: from30, to })),
    );

    // The oldest whole day (the first is partial); nobody reviewed its rows, so it may go.
    const oldest = (await partitions.days())[1];
    const dayRows: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM ${`inspections_p${oldest.replace(/-/g, '')}`}`,
    );
    const dropStarted = performance.now();
    const result = await partitions.drop(oldest);
    const dropMs = performance.now() - dropStarted;

    console.log(
      `\nbench/lifecycle: ${rows.toLocaleString('en')} inspections over ${days} days, 4 lines (loaded in ` +
        `${loadSeconds.toFixed(0)} s; partitions ${sizes[0].partitions}, ${sizes[0].inspections} with indexes; ` +
        `inspection_keys ${sizes[0].keys}); ${runs} runs after 3 warm-ups\n`,
    );
    console.log(markdownTable(['query', 'p50 ms', 'p99 ms'], table));
    console.log(
      `\nDrop the oldest whole day (${oldest}, ${dayRows[0].n.toLocaleString('en')} rows, keys included): ` +
        `${result} in ${dropMs.toFixed(0)} ms`,
    );
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
