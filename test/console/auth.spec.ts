import { bootstrapFirstAdmin } from '@linescope/accounts';
import { startApp } from '@linescope/platform';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { apiApp } from '../../apps/api/src/api.app';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { createConsoleUser, sessionCookieOf, signIn } from '../support/console-users';
import { createMigratedDatabase } from '../support/database';

describe('console sign-in (cookie sessions)', () => {
  let api: ApiHarness;
  let sql: Client;

  beforeAll(async () => {
    api = await startApiHarness();
    sql = new Client({ connectionString: api.db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql.end();
    await api.stop();
  });

  it('signs in with the right password: HttpOnly SameSite=Strict cookie, session and /users/me', async () => {
    const qa = await createConsoleUser(api, 'qa1@example.com', 'qa');
    const login = await api.call('POST', '/api/v1/auth/login', {
      json: { email: 'QA1@example.com', password: qa.password },
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ user: { id: qa.id, email: 'qa1@example.com', role: 'qa' } });
    expect(login.body.csrfToken).toMatch(/^[\w-]{43}$/);
    expect(Date.parse(login.body.expiresAt)).toBeGreaterThan(Date.now() + 11 * 3600_000);
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^ls_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800$/);
    const cookie = sessionCookieOf(login);

    const session = await api.call('GET', '/api/v1/auth/session', { headers: { cookie } });
    expect(session.status).toBe(200);
    expect(session.body.csrfToken).toBe(login.body.csrfToken);
    const me = await api.call('GET', '/api/v1/users/me', { headers: { cookie } });
    expect(me).toMatchObject({ status: 200, body: { id: qa.id, email: 'qa1@example.com', role: 'qa' } });
    const stored = await sql.query(`SELECT token_hash FROM user_sessions WHERE user_id = $1`, [qa.id]);
    expect(stored.rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(cookie).not.toContain(stored.rows[0].token_hash);
  });

  it('answers the same 401 for a wrong password and an unknown email, and 401 without a session', async () => {
    await createConsoleUser(api, 'qa2@example.com', 'qa');
    const wrong = await api.call('POST', '/api/v1/auth/login', {
      json: { email: 'qa2@example.com', password: 'not the password' },
    });
    const unknown = await api.call('POST', '/api/v1/auth/login', {
      json: { email: 'nobody@example.com', password: 'not the password' },
    });
    expect(wrong).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    expect(unknown).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
    expect(unknown.body.message).toBe(wrong.body.message);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect((await api.call('GET', '/api/v1/auth/session')).status).toBe(401);
    const forged = await api.call('GET', '/api/v1/users/me', { headers: { cookie: 'ls_session=forged' } });
    expect(forged).toMatchObject({ status: 401, body: { error: 'unauthenticated' } });
  });

  it('locks an email out after 5 failures with 429 and Retry-After, even for the right password', async () => {
    const user = await createConsoleUser(api, 'locked@example.com', 'qa');
    for (let i = 0; i < 5; i += 1) {
      const attempt = await api.call('POST', '/api/v1/auth/login', {
        json: { email: user.email, password: `wrong-${i}` },
      });
      expect(attempt.status).toBe(401);
    }
    const locked = await api.call('POST', '/api/v1/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(locked).toMatchObject({ status: 429, body: { error: 'too_many_attempts' } });
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // Once the failures leave the 15-minute window, the right password works again.
    await sql.query(
      `UPDATE login_failures SET created_at = created_at - interval '16 minutes' WHERE email = $1`,
      [user.email],
    );
    const again = await api.call('POST', '/api/v1/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(again.status).toBe(200);
  });

  it('ends a session idle too long and one past its absolute expiry', async () => {
    const user = await createConsoleUser(api, 'expiry@example.com', 'qa');
    const idle = await signIn(api, user.email, user.password);
    const absolute = await signIn(api, user.email, user.password);
    expect((await idle.call('GET', '/api/v1/users/me')).status).toBe(200);
    await sql.query(
      `UPDATE user_sessions SET last_seen_at = now() - interval '12 hours 1 minute'
        WHERE id = (SELECT id FROM user_sessions WHERE user_id = $1 ORDER BY created_at LIMIT 1)`,
      [user.id],
    );
    expect((await idle.call('GET', '/api/v1/users/me')).status).toBe(401);
    // Used a minute ago, but signed in 8 days ago: the absolute limit (168 h) applies whatever the activity.
    await sql.query(
      `UPDATE user_sessions SET created_at = now() - interval '8 days', expires_at = now() - interval '1 day',
              last_seen_at = now() - interval '1 minute'
        WHERE id = (SELECT id FROM user_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1)`,
      [user.id],
    );
    expect((await absolute.call('GET', '/api/v1/users/me')).status).toBe(401);
  });

  it('keeps a used session alive (last_seen_at moves on)', async () => {
    const user = await createConsoleUser(api, 'active@example.com', 'qa');
    const session = await signIn(api, user.email, user.password);
    await sql.query(
      `UPDATE user_sessions SET last_seen_at = now() - interval '11 hours' WHERE user_id = $1`,
      [user.id],
    );
    expect((await session.call('GET', '/api/v1/users/me')).status).toBe(200);
    const row = await sql.query(
      `SELECT extract(epoch FROM now() - last_seen_at)::float8 AS age FROM user_sessions WHERE user_id = $1`,
      [user.id],
    );
    expect(row.rows[0].age).toBeLessThan(60);
  });

  it('logs out: the session row is revoked, the cookie cleared, and the old cookie no longer works', async () => {
    const user = await createConsoleUser(api, 'logout@example.com', 'qa');
    const session = await signIn(api, user.email, user.password);
    const logout = await session.call('POST', '/api/v1/auth/logout');
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/^ls_session=; .*Max-Age=0/);
    const rows = await sql.query(`SELECT revoked_at FROM user_sessions WHERE user_id = $1`, [user.id]);
    expect(rows.rows[0].revoked_at).toBeInstanceOf(Date);
    expect((await session.call('GET', '/api/v1/users/me')).status).toBe(401);
    expect((await session.call('GET', '/api/v1/auth/session')).status).toBe(401);
  });

  it('refuses state-changing cookie requests without the CSRF token, with a wrong one, or cross-site', async () => {
    const admin = await createConsoleUser(api, 'csrf-admin@example.com', 'admin');
    const session = await signIn(api, admin.email, admin.password);
    const line = (name: string) => ({ json: { name } });
    const missing = await session.call('POST', '/api/v1/lines', { ...line('csrf-1'), csrf: false });
    expect(missing).toMatchObject({ status: 403, body: { error: 'csrf_failed' } });
    const wrong = await session.call('POST', '/api/v1/lines', {
      ...line('csrf-2'),
      headers: { 'x-csrf-token': 'x'.repeat(43) },
    });
    expect(wrong).toMatchObject({ status: 403, body: { error: 'csrf_failed' } });
    const crossSite = await session.call('POST', '/api/v1/lines', {
      ...line('csrf-3'),
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite).toMatchObject({ status: 403, body: { error: 'csrf_failed' } });
    const foreignOrigin = await session.call('POST', '/api/v1/lines', {
      ...line('csrf-4'),
      headers: { origin: 'https://evil.example' },
    });
    expect(foreignOrigin).toMatchObject({ status: 403, body: { error: 'csrf_failed' } });
    // A plain cross-site HTML form post: no CSRF header, form-encoded, from another origin.
    const form = await api.call('POST', '/api/v1/lines', {
      body: Buffer.from('name=csrf-5'),
      headers: {
        cookie: session.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
    });
    expect(form).toMatchObject({ status: 403, body: { error: 'csrf_failed' } });
    const lines = await sql.query(`SELECT count(*)::int AS n FROM production_lines WHERE name LIKE 'csrf-%'`);
    expect(lines.rows[0].n).toBe(0);

    const sameOrigin = await session.call('POST', '/api/v1/lines', {
      ...line('csrf-ok'),
      headers: { origin: api.url, 'sec-fetch-site': 'same-origin' },
    });
    expect(sameOrigin.status).toBe(201);
    // Reads need no token.
    expect((await session.call('GET', '/api/v1/lines', { csrf: false })).status).toBe(200);
  });

  it('a cross-site sign-in is refused too', async () => {
    const login = await api.call('POST', '/api/v1/auth/login', {
      json: { email: 'qa1@example.com', password: 'a long enough passphrase' },
      headers: { origin: 'https://evil.example' },
    });
    expect(login).toMatchObject({ status: 403, body: { error: 'csrf_failed' } });
  });

  it('keeps bearer tokens working, and judges a request with Authorization by it alone', async () => {
    const qa = await createConsoleUser(api, 'bearer@example.com', 'qa');
    expect((await api.call('GET', '/api/v1/users/me', { token: qa.token })).body.email).toBe(qa.email);
    // A bearer-authenticated POST needs no CSRF token.
    const line = await api.call('POST', '/api/v1/lines', {
      token: api.adminToken,
      json: { name: 'bearer-line' },
    });
    expect(line.status).toBe(201);
    const admin = await createConsoleUser(api, 'bearer-admin@example.com', 'admin');
    const adminSession = await signIn(api, admin.email, admin.password);
    // An admin cookie beside a qa token: the token decides (403 on an admin endpoint).
    const mixed = await adminSession.call('POST', '/api/v1/lines', {
      json: { name: 'mixed' },
      headers: { authorization: `Bearer ${qa.token}` },
    });
    expect(mixed).toMatchObject({ status: 403, body: { error: 'forbidden' } });
  });

  it('gives a qa cookie 403 on admin and ML endpoints', async () => {
    const qa = await createConsoleUser(api, 'qa-forbidden@example.com', 'qa');
    const session = await signIn(api, qa.email, qa.password);
    const createUser = await session.call('POST', '/api/v1/users', {
      json: { email: 'x@example.com', displayName: 'x', role: 'admin' },
    });
    expect(createUser).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect((await session.call('POST', '/api/v1/lines', { json: { name: 'qa-line' } })).status).toBe(403);
    expect((await session.call('POST', '/api/v1/models/rollback')).status).toBe(403);
    expect((await session.call('GET', '/api/v1/inspections')).status).toBe(200);
  });

  it('changes a password: with a session the current one is needed, and other sessions end', async () => {
    const user = await createConsoleUser(api, 'change@example.com', 'ml_engineer');
    const first = await signIn(api, user.email, user.password);
    const second = await signIn(api, user.email, user.password);
    const missing = await first.call('POST', '/api/v1/auth/password', {
      json: { newPassword: 'another passphrase' },
    });
    expect(missing).toMatchObject({ status: 400, body: { error: 'current_password_required' } });
    const wrong = await first.call('POST', '/api/v1/auth/password', {
      json: { currentPassword: 'nope', newPassword: 'another passphrase' },
    });
    expect(wrong.status).toBe(403);
    const short = await first.call('POST', '/api/v1/auth/password', {
      json: { currentPassword: user.password, newPassword: 'short' },
    });
    expect(short).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const ok = await first.call('POST', '/api/v1/auth/password', {
      json: { currentPassword: user.password, newPassword: 'another passphrase' },
    });
    expect(ok).toMatchObject({ status: 200, body: { email: user.email } });
    expect((await first.call('GET', '/api/v1/users/me')).status).toBe(200);
    expect((await second.call('GET', '/api/v1/users/me')).status).toBe(401);
    const stored = await sql.query(`SELECT password_hash FROM users WHERE id = $1`, [user.id]);
    expect(stored.rows[0].password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    await signIn(api, user.email, 'another passphrase');
  });

  it('refuses sign-in to a disabled user', async () => {
    const user = await createConsoleUser(api, 'disabled@example.com', 'qa');
    await sql.query(`UPDATE users SET disabled_at = now() WHERE id = $1`, [user.id]);
    const login = await api.call('POST', '/api/v1/auth/login', {
      json: { email: user.email, password: user.password },
    });
    expect(login).toMatchObject({ status: 401, body: { error: 'invalid_credentials' } });
  });
});

describe('the first administrator', () => {
  it('sets a password with the token bootstrapFirstAdmin made, then signs in', async () => {
    const { db, dataSource } = await createMigratedDatabase();
    const token = await bootstrapFirstAdmin(dataSource);
    await dataSource.destroy();
    expect(token).toMatch(/^lsu_/);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-first-admin-'));
    const running = await startApp(apiApp, {
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      API_PORT: '0',
      LOG_LEVEL: 'silent',
      INFERENCE_URLS: 'http://127.0.0.1:9',
    });
    try {
      const set = await fetch(`${running.url}/api/v1/auth/password`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ newPassword: 'first admin passphrase' }),
      });
      expect(set.status).toBe(200);
      const me = (await set.json()) as { email: string; role: string };
      expect(me).toMatchObject({ email: 'admin@localhost', role: 'admin' });
      const login = await fetch(`${running.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: me.email, password: 'first admin passphrase' }),
      });
      expect(login.status).toBe(200);
      expect(((await login.json()) as { user: { role: string } }).user.role).toBe('admin');
    } finally {
      await running.shutdown('test finished');
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
