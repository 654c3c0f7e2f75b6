import { AuditLogRepository } from '../repositories/audit-log.repository';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { seedUser } from '../../../../test/support/seed';
import { AuditLogService } from './audit-log.service';

describe('AuditLogService (real PostgreSQL)', () => {
  let bed: ServiceTestBed;
  let service: AuditLogService;
  let actorId: string;

  beforeAll(async () => {
    bed = await createServiceTestBed([AuditLogRepository, AuditLogService]);
    service = bed.get(AuditLogService);
    actorId = await seedUser(bed.dataSource, 'admin');
    // Five events an hour apart, the newest now; the log is append-only, so they are written once for all tests.
    for (let hoursAgo = 4; hoursAgo >= 0; hoursAgo--)
      await bed.dataSource.query(
        `INSERT INTO audit_events (actor_type, actor_id, action, target_type, target_id, created_at)
         VALUES ('user', $1, $2, 'line', $3, now() - make_interval(hours => $4))`,
        [actorId, hoursAgo % 2 ? 'line.update' : 'line.create', `line-${hoursAgo}`, hoursAgo],
      );
  });
  afterAll(() => bed.close());

  it('pages newest first with a cursor, each event once, and no cursor after the last page', async () => {
    const first = await service.list({ limit: 2 });
    const second = await service.list({ limit: 2, cursor: first.nextCursor! });
    const third = await service.list({ limit: 2, cursor: second.nextCursor! });
    expect([...first.items, ...second.items, ...third.items].map((event) => event.targetId)).toEqual([
      'line-0',
      'line-1',
      'line-2',
      'line-3',
      'line-4',
    ]);
    expect(third.nextCursor).toBeNull();
  });

  it('filters by action and by time range', async () => {
    const updates = await service.list({ action: 'line.update' });
    expect(updates.items.map((event) => event.targetId)).toEqual(['line-1', 'line-3']);
    const from = new Date(Date.now() - 2.5 * 3600_000).toISOString();
    const to = new Date(Date.now() - 0.5 * 3600_000).toISOString();
    expect((await service.list({ from, to })).items.map((event) => event.targetId)).toEqual([
      'line-1',
      'line-2',
    ]);
  });

  it('refuses a range that ends before it starts, and a cursor it did not issue', async () => {
    const now = new Date().toISOString();
    expect(await apiErrorOf(service.list({ from: now, to: now }))).toEqual({
      status: 400,
      error: 'invalid_range',
    });
    expect(await apiErrorOf(service.list({ cursor: 'not-a-cursor' }))).toEqual({
      status: 400,
      error: 'invalid_cursor',
    });
  });
});
