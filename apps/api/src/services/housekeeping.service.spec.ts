import { EventRepository } from '../repositories/event.repository';
import { LoginFailureRepository } from '../repositories/login-failure.repository';
import { SessionRepository } from '../repositories/session.repository';
import { createServiceTestBed, type ServiceTestBed } from '../../../../test/support/service-testing';
import { seedUser } from '../../../../test/support/seed';
import { HousekeepingService } from './housekeeping.service';

describe('HousekeepingService (real PostgreSQL)', () => {
  let bed: ServiceTestBed;
  let service: HousekeepingService;

  beforeAll(async () => {
    bed = await createServiceTestBed([
      EventRepository,
      SessionRepository,
      LoginFailureRepository,
      HousekeepingService,
    ]);
    // Not bootstrapped: no timer runs; the test calls run() itself.
    service = bed.get(HousekeepingService);
  });
  afterAll(() => bed.close());

  const labels = async (sql: string) =>
    (await bed.dataSource.query<{ label: string }[]>(sql)).map((row) => row.label).sort();

  it('prunes events older than two hours, sessions ended over a day ago, and failed sign-ins older than a day', async () => {
    const userId = await seedUser(bed.dataSource, 'qa');
    await bed.dataSource.query(
      `INSERT INTO events (type, data, created_at) VALUES
         ('inspection', '{"label":"old"}', now() - interval '2 hours 1 minute'),
         ('inspection', '{"label":"kept"}', now() - interval '1 hour 59 minutes')`,
    );
    await bed.dataSource.query(
      `INSERT INTO user_sessions (user_id, token_hash, csrf_token, expires_at, revoked_at) VALUES
         ($1, 'expired-long-ago', 'c', now() - interval '25 hours', NULL),
         ($1, 'revoked-long-ago', 'c', now() + interval '1 hour', now() - interval '25 hours'),
         ($1, 'expired-recently', 'c', now() - interval '1 hour', NULL),
         ($1, 'revoked-recently', 'c', now() + interval '1 hour', now() - interval '1 hour'),
         ($1, 'live', 'c', now() + interval '1 hour', NULL)`,
      [userId],
    );
    await bed.dataSource.query(
      `INSERT INTO login_failures (email, ip, created_at) VALUES
         ('old', '::1', now() - interval '25 hours'), ('recent', '::1', now() - interval '23 hours')`,
    );
    await service.run();
    expect(await labels(`SELECT data->>'label' AS label FROM events WHERE data ? 'label'`)).toEqual(['kept']);
    expect(await labels(`SELECT token_hash AS label FROM user_sessions`)).toEqual([
      'expired-recently',
      'live',
      'revoked-recently',
    ]);
    expect(await labels(`SELECT email AS label FROM login_failures`)).toEqual(['recent']);
  });
});
