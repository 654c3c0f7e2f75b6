import { hashPassword } from '@linescope/accounts';
import { type UserPrincipal } from '../auth/principals';
import { LoginFailureRepository } from '../repositories/login-failure.repository';
import { SessionRepository } from '../repositories/session.repository';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { seedUser } from '../../../../test/support/seed';
import { AuthService, LOCKOUT } from './auth.service';

describe('AuthService (real PostgreSQL)', () => {
  let bed: ServiceTestBed;
  let service: AuthService;

  beforeAll(async () => {
    bed = await createServiceTestBed([SessionRepository, LoginFailureRepository, AuthService]);
    service = bed.get(AuthService);
  });
  afterAll(() => bed.close());

  /** A user with a password; returns its id and email. */
  async function userWithPassword(password: string): Promise<{ id: string; email: string }> {
    const id = await seedUser(bed.dataSource, 'qa');
    await bed.dataSource.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [
      id,
      await hashPassword(password),
    ]);
    const rows: { email: string }[] = await bed.dataSource.query(`SELECT email FROM users WHERE id = $1`, [
      id,
    ]);
    return { id, email: rows[0].email };
  }

  it('signs in with the right password, whatever the case of the email; the cookie finds the session', async () => {
    const user = await userWithPassword('correct horse battery');
    const signIn = await service.login(user.email.toUpperCase(), 'correct horse battery', '10.0.0.1');
    expect(signIn.session.user.id).toBe(user.id);
    expect((await service.session(signIn.token)).csrfToken).toBe(signIn.session.csrfToken);
    expect(await apiErrorOf(service.session('not-a-session'))).toEqual({
      status: 401,
      error: 'unauthenticated',
    });
  });

  it('keeps a locked-out email refused, right password included, until the window passes', async () => {
    const user = await userWithPassword('correct horse battery');
    for (let attempt = 0; attempt < LOCKOUT.maxPerEmail; attempt += 1)
      expect(await apiErrorOf(service.login(user.email, 'wrong password!', '10.0.0.2'))).toEqual({
        status: 401,
        error: 'invalid_credentials',
      });
    expect(await apiErrorOf(service.login(user.email, 'correct horse battery', '10.0.0.3'))).toEqual({
      status: 429,
      error: 'too_many_attempts',
    });
    // Only the failures that count age out of the window: one second short of it, still locked.
    await bed.dataSource.query(
      `UPDATE login_failures SET created_at = now() - ($2 - 1) * interval '1 second' WHERE email = $1`,
      [user.email, LOCKOUT.windowSeconds],
    );
    expect(await apiErrorOf(service.login(user.email, 'correct horse battery', '10.0.0.3'))).toEqual({
      status: 429,
      error: 'too_many_attempts',
    });
    await bed.dataSource.query(
      `UPDATE login_failures SET created_at = now() - ($2 + 1) * interval '1 second' WHERE email = $1`,
      [user.email, LOCKOUT.windowSeconds],
    );
    const signIn = await service.login(user.email, 'correct horse battery', '10.0.0.3');
    expect(signIn.session.user.id).toBe(user.id);
  });

  it('refuses a disabled user with the right password', async () => {
    const user = await userWithPassword('correct horse battery');
    await bed.dataSource.query(`UPDATE users SET disabled_at = now() WHERE id = $1`, [user.id]);
    expect(await apiErrorOf(service.login(user.email, 'correct horse battery', '10.0.0.4'))).toEqual({
      status: 401,
      error: 'invalid_credentials',
    });
  });

  it('asks a session for the current password, and ends the other sessions on a change', async () => {
    const user = await userWithPassword('correct horse battery');
    const kept = await service.login(user.email, 'correct horse battery', '10.0.0.5');
    const other = await service.login(user.email, 'correct horse battery', '10.0.0.5');
    const keptSession = await service.authenticate(kept.token);
    const principal: UserPrincipal = {
      kind: 'user',
      userId: user.id,
      role: 'qa',
      sessionId: keptSession!.id,
    };
    expect(await apiErrorOf(service.changePassword(principal, undefined, 'a new password'))).toEqual({
      status: 400,
      error: 'current_password_required',
    });
    expect(await apiErrorOf(service.changePassword(principal, 'wrong password!', 'a new password'))).toEqual({
      status: 403,
      error: 'invalid_credentials',
    });
    await service.changePassword(principal, 'correct horse battery', 'a new password');
    expect(await service.authenticate(kept.token)).not.toBeNull();
    expect(await service.authenticate(other.token)).toBeNull();
    expect((await service.login(user.email, 'a new password', '10.0.0.5')).session.user.id).toBe(user.id);
  });
});
