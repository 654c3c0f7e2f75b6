import { InspectionRepository } from '@linescope/db';
import { type DataSource } from 'typeorm';
import { createMigratedDatabase, type TestDatabase } from '../../../../test/support/database';
import {
  type CapturedPlan,
  capturePlans,
  dayPartitionsBetween,
  inspectionPartitions,
  partitionsRead,
  unindexedScans,
} from '../../../../test/support/partition-plans';
import { seedUser } from '../../../../test/support/seed';
import {
  loadSyntheticInspections,
  type SyntheticInstallation,
} from '../../../../test/support/synthetic-inspections';
import { DashboardRepository } from './dashboard.repository';
import { ReviewQueueRepository } from './review-queue.repository';

const DAY_MS = 86_400_000;
const DAYS = 12;

/**
 * The console's reads on the partitioned table, with 12 days of data (120,000 rows, 4 lines): every partition that
 * holds rows is read through an index, and a query with a time range reads only the days it covers.
 */
describe('inspection queries on day partitions: index-served, pruned by time', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let data: SyntheticInstallation;
  let partitions: Map<string, number>;
  let userId: string;

  beforeAll(async () => {
    ({ db, dataSource: ds } = await createMigratedDatabase());
    data = await loadSyntheticInspections(db.url, { rows: 120_000, days: DAYS, lines: 4 });
    partitions = await inspectionPartitions(ds);
    userId = await seedUser(ds, 'qa');
  }, 180_000);
  afterAll(async () => db.drop());

  /**
   * Every captured plan is index-served; a statement that carries the range reads only the day partitions of the
   * range. (Statements by id, such as putting claimed ids in queue order, have no range: they probe each partition's
   * primary key index.)
   */
  function expectServed(plans: CapturedPlan[], range?: { from: Date; to: Date }): void {
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans) {
      expect({ sql: plan.sql, unindexed: unindexedScans(plan, partitions) }).toEqual({
        sql: plan.sql,
        unindexed: [],
      });
      const read = partitionsRead(plan, partitions);
      expect(read.length).toBeGreaterThan(0);
      if (range && /received_at >=/.test(plan.sql)) {
        const allowed = dayPartitionsBetween(range.from, range.to, partitions);
        expect({ sql: plan.sql, outside: read.filter((name) => !allowed.includes(name)) }).toEqual({
          sql: plan.sql,
          outside: [],
        });
        expect(read.length).toBeLessThan(partitions.size);
      }
    }
  }

  it('has the days loaded and the default partition empty', () => {
    const filled = [...partitions.entries()].filter(([, n]) => n > 0);
    expect(filled.length).toBeGreaterThanOrEqual(DAYS);
    expect(partitions.get('inspections_default')).toBe(0);
  });

  it('the filtered list, with and without a time range, and the needs-review list', async () => {
    const repo = new InspectionRepository(ds.manager);
    const to = data.end;
    const from = new Date(to.getTime() - 3 * DAY_MS);
    const ranged = await capturePlans(ds, () =>
      repo.list(
        { lineId: data.lineIds[0], verdict: 'defect', from: from.toISOString(), to: to.toISOString() },
        51,
      ),
    );
    expectServed(ranged, { from, to });

    const newest = await capturePlans(ds, async () => {
      const page = await repo.list({ lineId: data.lineIds[1] }, 51);
      const last = page[page.length - 1];
      await repo.list(
        { lineId: data.lineIds[1], after: { receivedAt: last.receivedAt.toISOString(), id: last.id } },
        51,
      );
    });
    expectServed(newest);
    const needsReview = await capturePlans(ds, () => repo.list({ needsReview: true }, 51));
    expectServed(needsReview);
  });

  it('the review queue: counts and claims, whole and over a time range', async () => {
    const queue = new ReviewQueueRepository(ds.manager);
    const all = await capturePlans(ds, async () => {
      await queue.counts({}, userId);
      const ids = await queue.claim(userId, {}, 5, [], 60);
      expect(ids).toHaveLength(5);
      await queue.release(userId, ids);
    });
    expectServed(all);

    const to = data.end;
    const from = new Date(to.getTime() - 2 * DAY_MS);
    const range = { from: from.toISOString(), to: to.toISOString(), lineId: data.lineIds[2] };
    const ranged = await capturePlans(ds, async () => {
      await queue.counts(range, userId);
      const ids = await queue.claim(userId, range, 5, [], 60);
      expect(ids.length).toBeGreaterThan(0);
      await queue.release(userId, ids);
    });
    expectServed(ranged, { from, to });
  });

  it("the dashboards' aggregates over 7 days: a line's totals, series and cameras, and the overview", async () => {
    const dashboards = new DashboardRepository(ds.manager);
    const to = data.end;
    const from = new Date(to.getTime() - 7 * DAY_MS);
    const plans = await capturePlans(ds, async () => {
      const totals = await dashboards.totals(data.lineIds[0], { from, to });
      expect(totals.total).toBeGreaterThan(0);
      await dashboards.series(data.lineIds[0], { from, to }, 3600);
      await dashboards.cameras(data.lineIds[0], { from, to });
      await dashboards.overview({ from, to });
    });
    expect(plans).toHaveLength(4);
    expectServed(plans, { from, to });
    // The aggregates read only the dashboard index (index-only scans), never the rows.
    for (const plan of plans)
      for (const scan of plan.scans.filter((s) => partitions.get(s.relation))) {
        expect({ sql: plan.sql, scan }).toEqual({
          sql: plan.sql,
          scan: {
            ...scan,
            nodeType: 'Index Only Scan',
            index: expect.stringMatching(/^inspections_line_dashboard_(p\d{8}|default)$/),
          },
        });
      }
  });
});
