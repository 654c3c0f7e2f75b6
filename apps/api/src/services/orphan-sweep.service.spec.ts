import { OBJECT_STORE } from '@linescope/platform';
import { FsObjectStore } from '@linescope/storage';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServiceTestBed, type ServiceTestBed } from '../../../../test/support/service-testing';
import { seedLine, seedPendingInspection } from '../../../../test/support/seed';
import { OrphanSweepService } from './orphan-sweep.service';

/** The hourly sweep also queues again the scoring of inspections pending for more than ten minutes. */
describe('OrphanSweepService: stale pending inspections queued again (real PostgreSQL and queue)', () => {
  let bed: ServiceTestBed;
  let storeDir: string;
  let service: OrphanSweepService;
  let lineId: string;

  beforeAll(async () => {
    storeDir = await mkdtemp(path.join(tmpdir(), 'linescope-sweep-'));
    const store = new FsObjectStore(storeDir);
    await store.init();
    bed = await createServiceTestBed([{ provide: OBJECT_STORE, useValue: store }, OrphanSweepService], {
      queue: true,
    });
    service = bed.get(OrphanSweepService);
    lineId = await seedLine(bed.dataSource);
  });
  afterAll(async () => {
    await bed.close();
    await rm(storeDir, { recursive: true, force: true });
  });

  const pendingAged = async (secondsAgo: number) => {
    const id = await seedPendingInspection(bed.dataSource, lineId);
    await bed.dataSource.query(
      `UPDATE inspections SET received_at = now() - make_interval(secs => $2) WHERE id = $1`,
      [id, secondsAgo],
    );
    return id;
  };
  /** Inspection ids of the score-inspection jobs that wait, newest last. */
  const queuedScoring = async (): Promise<string[]> =>
    (
      await bed.dataSource.query<{ id: string }[]>(
        `SELECT data ->> 'inspectionId' AS id FROM pgboss.job
          WHERE name = 'score-inspection' AND state = 'created' ORDER BY created_on`,
      )
    ).map((row) => row.id);
  const clearQueue = () => bed.dataSource.query(`DELETE FROM pgboss.job WHERE name = 'score-inspection'`);

  beforeEach(async () => {
    await clearQueue();
    await bed.dataSource.query(`DELETE FROM inspections`);
  });

  it('queues inspections pending for longer than ten minutes again, and leaves younger ones alone', async () => {
    const stale = await pendingAged(11 * 60);
    await pendingAged(5 * 60);
    expect(await service.requeueStalePending()).toBe(1);
    expect(await queuedScoring()).toEqual([stale]);
  });
});
