import { AWAITING_MODEL_REASON } from '@linescope/db';
import { createServiceTestBed, type ServiceTestBed } from '../../../../test/support/service-testing';
import { seedLine, seedPendingInspection } from '../../../../test/support/seed';
import { PendingRescueService } from './pending-rescue.service';

/** Uploads left pending with no scoring job (a killed API, a database gone between commit and enqueue). */
describe('PendingRescueService (real PostgreSQL and queue)', () => {
  let bed: ServiceTestBed;
  let service: PendingRescueService;
  let lineId: string;

  beforeAll(async () => {
    bed = await createServiceTestBed([PendingRescueService], { queue: true });
    // Not bootstrapped: no timer runs; the test calls rescue() itself.
    service = bed.get(PendingRescueService);
    lineId = await seedLine(bed.dataSource);
    await bed.dataSource.query(`UPDATE production_lines SET verdict_deadline_ms = 2000 WHERE id = $1`, [
      lineId,
    ]);
  });
  afterAll(() => bed.close());

  const pendingAged = async (secondsAgo: number, failureReason: string | null = null) => {
    const id = await seedPendingInspection(bed.dataSource, lineId);
    await bed.dataSource.query(
      `UPDATE inspections SET received_at = now() - make_interval(secs => $2), failure_reason = $3 WHERE id = $1`,
      [id, secondsAgo, failureReason],
    );
    return id;
  };
  const queuedScoring = async (): Promise<string[]> =>
    (
      await bed.dataSource.query<{ id: string }[]>(
        `SELECT data ->> 'inspectionId' AS id FROM pgboss.job WHERE name = 'score-inspection' AND state = 'created'`,
      )
    )
      .map((row) => row.id)
      .sort();

  it('queues pending uploads past their deadline with no scoring job, once, and nothing else', async () => {
    const leftBehind = await pendingAged(40); // 2 s deadline + 30 s grace: no request is answering it any more
    const covered = await pendingAged(45);
    await bed.queue!.send('score-inspection', { inspectionId: covered });
    const answering = await pendingAged(0); // received just now: a request may still be waiting for its verdict
    await pendingAged(60, AWAITING_MODEL_REASON); // queued when a model serves
    await pendingAged(2 * 3600); // the hourly stale sweep's

    expect(await service.rescue()).toBe(1);
    expect(await queuedScoring()).toEqual([covered, leftBehind].sort());
    expect(await queuedScoring()).not.toContain(answering);
    // Again (the next tick, or another instance): it has its job now, nothing is queued twice.
    expect(await service.rescue()).toBe(0);
  });
});
