import { verifyPassword } from '@linescope/accounts';
import { type UserPrincipal } from '../auth/principals';
import { PeopleRepository } from '../repositories/people.repository';
import { SessionRepository } from '../repositories/session.repository';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { seedUser } from '../../../../test/support/seed';
import { UserService } from './user.service';

describe('UserService (real PostgreSQL)', () => {
  let bed: ServiceTestBed;
  let service: UserService;

  beforeAll(async () => {
    bed = await createServiceTestBed([PeopleRepository, SessionRepository, UserService]);
    service = bed.get(UserService);
  });
  afterAll(() => bed.close());

  const principal = (userId: string, role: UserPrincipal['role'] = 'admin'): UserPrincipal => ({
    kind: 'user',
    userId,
    role,
  });
  const auditOf = async (userId: string) =>
    (
      await bed.dataSource.query<{ action: string }[]>(
        `SELECT action FROM audit_events WHERE target_id = $1 ORDER BY id`,
        [userId],
      )
    ).map((row) => row.action);
  const openSession = (userId: string) =>
    bed.dataSource.query(
      `INSERT INTO user_sessions (user_id, token_hash, csrf_token, expires_at)
       VALUES ($1, md5(random()::text), 'csrf', now() + interval '1 hour')`,
      [userId],
    );
  const liveSessions = async (userId: string) =>
    (
      await bed.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM user_sessions WHERE user_id = $1 AND revoked_at IS NULL`,
        [userId],
      )
    )[0].n;
  const liveTokens = async (userId: string) =>
    (
      await bed.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM user_api_tokens WHERE user_id = $1 AND revoked_at IS NULL`,
        [userId],
      )
    )[0].n;
  /** Leaves `keep` as the only enabled administrator. */
  const onlyAdmin = async (keep: string) =>
    bed.dataSource.query(
      `UPDATE users SET disabled_at = now() WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1`,
      [keep],
    );

  it('creates a person with a token; a second person of the same email is refused, writing nothing', async () => {
    const issued = await service.create({ email: 'dana@test.local', displayName: 'Dana', role: 'qa' }, null);
    expect(issued.token).toBeTruthy();
    expect(issued).not.toHaveProperty('temporaryPassword');
    const users = await bed.dataSource.query(`SELECT count(*)::int AS n FROM users`);
    expect(
      await apiErrorOf(service.create({ email: 'dana@test.local', displayName: 'Again', role: 'qa' }, null)),
    ).toEqual({ status: 409, error: 'user_exists' });
    expect(await bed.dataSource.query(`SELECT count(*)::int AS n FROM users`)).toEqual(users);
  });

  it('keeps only the hash of a temporary password, which must be changed at the next sign-in', async () => {
    const issued = await service.create(
      { email: 'temp@test.local', displayName: 'Temp', role: 'qa', temporaryPassword: true },
      null,
    );
    const [row] = await bed.dataSource.query<{ password_hash: string; password_must_change: boolean }[]>(
      `SELECT password_hash, password_must_change FROM users WHERE id = $1`,
      [issued.user.id],
    );
    expect(row.password_hash).not.toContain(issued.temporaryPassword);
    expect(await verifyPassword(issued.temporaryPassword!, row.password_hash)).toBe(true);
    expect(row.password_must_change).toBe(true);
  });

  it('refuses to demote or disable the last enabled administrator, changing nothing', async () => {
    const admin = await seedUser(bed.dataSource, 'admin');
    await onlyAdmin(admin);
    expect(await apiErrorOf(service.update(admin, { role: 'qa' }, principal(admin)))).toEqual({
      status: 409,
      error: 'last_admin',
    });
    const other = await seedUser(bed.dataSource, 'admin');
    await onlyAdmin(other);
    expect(await apiErrorOf(service.update(other, { disabled: true }, principal(admin)))).toEqual({
      status: 409,
      error: 'last_admin',
    });
    const rows = await bed.dataSource.query(`SELECT role, disabled_at FROM users WHERE id = $1`, [other]);
    expect(rows).toEqual([{ role: 'admin', disabled_at: null }]);
    expect(await auditOf(other)).toEqual([]);
  });

  it('lets an administrator step down once another is enabled, auditing the change', async () => {
    const first = await seedUser(bed.dataSource, 'admin');
    await onlyAdmin(first);
    const second = await seedUser(bed.dataSource, 'admin');
    const changed = await service.update(first, { role: 'qa' }, principal(second));
    expect(changed.role).toBe('qa');
    expect(await auditOf(first)).toEqual(['user.role.change']);
  });

  it('disabling ends sessions and revokes tokens in one change, audited once; enabling again restores neither', async () => {
    const person = await seedUser(bed.dataSource, 'qa');
    const admin = await seedUser(bed.dataSource, 'admin');
    await openSession(person);
    await service.createToken(person, 'script');
    await service.update(person, { disabled: true }, principal(admin));
    expect([await liveSessions(person), await liveTokens(person)]).toEqual([0, 0]);
    await service.update(person, { disabled: true }, principal(admin));
    await service.update(person, { disabled: false }, principal(admin));
    expect(await auditOf(person)).toEqual(['user.disable', 'user.enable']);
    expect(await liveTokens(person)).toBe(0);
  });

  it('refuses an empty change and an unknown person', async () => {
    const admin = await seedUser(bed.dataSource, 'admin');
    expect(await apiErrorOf(service.update(admin, {}, principal(admin)))).toEqual({
      status: 400,
      error: 'invalid_request',
    });
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(await apiErrorOf(service.update(missing, { role: 'qa' }, principal(admin)))).toEqual({
      status: 404,
      error: 'user_not_found',
    });
    expect(await apiErrorOf(service.createToken(missing, 'x'))).toEqual({
      status: 404,
      error: 'user_not_found',
    });
    expect(await apiErrorOf(service.resetPassword(missing, principal(admin)))).toEqual({
      status: 404,
      error: 'user_not_found',
    });
  });

  it('a password reset ends sessions but keeps bearer tokens', async () => {
    const person = await seedUser(bed.dataSource, 'qa');
    const admin = await seedUser(bed.dataSource, 'admin');
    await openSession(person);
    await service.createToken(person, 'script');
    const reset = await service.resetPassword(person, principal(admin));
    expect(reset.temporaryPassword).toHaveLength(16);
    expect([await liveSessions(person), await liveTokens(person)]).toEqual([0, 1]);
    expect(await auditOf(person)).toEqual(['user.password.reset']);
  });
});
