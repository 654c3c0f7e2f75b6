import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Client } from 'pg';
import { signWebhook } from '../../apps/api/src/services/webhook.service';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { createLineWithCamera } from '../support/console-seed';
import { type ConsoleUser, createConsoleUser, signIn } from '../support/console-users';

const ABSENT = '00000000-0000-4000-8000-000000000000';

/** People, audit log, webhook test event and camera keys: the administration API. */
describe('administration API', () => {
  let api: ApiHarness;
  let sql: Client;
  let qa: ConsoleUser;
  let engineer: ConsoleUser;
  let adminId: string;
  const count = async (table: string) =>
    (await sql.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;

  beforeAll(async () => {
    api = await startApiHarness();
    sql = new Client({ connectionString: api.db.url });
    await sql.connect();
    qa = await createConsoleUser(api, 'qa@example.com', 'qa');
    engineer = await createConsoleUser(api, 'ml@example.com', 'ml_engineer');
    adminId = (await api.call('GET', '/api/v1/users/me', { token: api.adminToken })).body.id;
  });
  afterAll(async () => {
    await sql.end();
    await api.stop();
  });

  describe('people', () => {
    it('lists everyone with role, state and last sign-in; refuses qa and ml_engineer', async () => {
      await signIn(api, qa.email, qa.password);
      const list = await api.call('GET', '/api/v1/users', { token: api.adminToken });
      expect(list.status).toBe(200);
      const byEmail = Object.fromEntries(list.body.map((u: { email: string }) => [u.email, u]));
      expect(byEmail['qa@example.com']).toMatchObject({
        role: 'qa',
        disabled: false,
        mustChangePassword: false,
      });
      expect(Date.parse(byEmail['qa@example.com'].lastSignInAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(byEmail['admin@example.com'].lastSignInAt).toBeNull();
      expect(JSON.stringify(list.body)).not.toMatch(/scrypt|password_hash|passwordHash/);
      for (const token of [qa.token, engineer.token]) {
        expect((await api.call('GET', '/api/v1/users', { token })).status).toBe(403);
        expect(
          (await api.call('PATCH', `/api/v1/users/${qa.id}`, { token, json: { role: 'admin' } })).status,
        ).toBe(403);
        expect((await api.call('POST', `/api/v1/users/${qa.id}/password-reset`, { token })).status).toBe(403);
      }
      expect((await sql.query(`SELECT role FROM users WHERE id = $1`, [qa.id])).rows[0].role).toBe('qa');
    });

    it('creates a person with a temporary password that must be changed before anything else', async () => {
      const created = await api.call('POST', '/api/v1/users', {
        token: api.adminToken,
        json: { email: 'new@example.com', displayName: 'New', role: 'qa', temporaryPassword: true },
      });
      expect(created.status).toBe(201);
      expect(created.body.temporaryPassword).toMatch(/^[\w-]{16}$/);
      expect(created.body.user).toMatchObject({ mustChangePassword: true, disabled: false });
      const session = await signIn(api, 'new@example.com', created.body.temporaryPassword);
      expect((await session.call('GET', '/api/v1/auth/session')).body.user.mustChangePassword).toBe(true);
      expect((await session.call('GET', '/api/v1/users/me')).status).toBe(200);
      expect(await session.call('GET', '/api/v1/inspections')).toMatchObject({
        status: 403,
        body: { error: 'password_change_required' },
      });
      const changed = await session.call('POST', '/api/v1/auth/password', {
        json: { currentPassword: created.body.temporaryPassword, newPassword: 'my very own passphrase' },
      });
      expect(changed).toMatchObject({ status: 200, body: { mustChangePassword: false } });
      expect((await session.call('GET', '/api/v1/inspections')).status).toBe(200);
    });

    it('changes a role, audited; refuses bad input (400), absent ids (404) and writes nothing then', async () => {
      const person = await createConsoleUser(api, 'role@example.com', 'qa');
      const changed = await api.call('PATCH', `/api/v1/users/${person.id}`, {
        token: api.adminToken,
        json: { role: 'ml_engineer' },
      });
      expect(changed).toMatchObject({ status: 200, body: { id: person.id, role: 'ml_engineer' } });
      // The role holds at once, for the person's existing token.
      expect(
        (await api.call('POST', '/api/v1/training-jobs', { token: person.token, json: {} })).status,
      ).not.toBe(403);
      const audit = await sql.query(
        `SELECT actor_id, details FROM audit_events WHERE action = 'user.role.change' AND target_id = $1`,
        [person.id],
      );
      expect(audit.rows).toEqual([
        { actor_id: adminId, details: { email: 'role@example.com', from: 'qa', to: 'ml_engineer' } },
      ]);

      const events = await count('audit_events');
      for (const json of [{}, { role: 'owner' }, { disabled: 'yes' }, { role: 'qa', extra: 1 }]) {
        const bad = await api.call('PATCH', `/api/v1/users/${person.id}`, { token: api.adminToken, json });
        expect(bad).toMatchObject({ status: 400, body: { statusCode: 400 } });
      }
      expect(
        (await api.call('PATCH', '/api/v1/users/not-a-uuid', { token: api.adminToken, json: { role: 'qa' } }))
          .status,
      ).toBe(400);
      expect(
        await api.call('PATCH', `/api/v1/users/${ABSENT}`, { token: api.adminToken, json: { role: 'qa' } }),
      ).toMatchObject({ status: 404, body: { error: 'user_not_found' } });
      expect(
        await api.call('POST', `/api/v1/users/${ABSENT}/password-reset`, { token: api.adminToken }),
      ).toMatchObject({
        status: 404,
        body: { error: 'user_not_found' },
      });
      expect(await count('audit_events')).toBe(events);
      expect((await sql.query(`SELECT role FROM users WHERE id = $1`, [person.id])).rows[0].role).toBe(
        'ml_engineer',
      );
    });

    it('disables a person: their session and bearer tokens stop at once, and stay revoked when enabled again', async () => {
      const person = await createConsoleUser(api, 'leaver@example.com', 'qa');
      const session = await signIn(api, person.email, person.password);
      expect((await session.call('GET', '/api/v1/inspections')).status).toBe(200);
      const disabled = await api.call('PATCH', `/api/v1/users/${person.id}`, {
        token: api.adminToken,
        json: { disabled: true },
      });
      expect(disabled).toMatchObject({ status: 200, body: { disabled: true } });
      expect((await session.call('GET', '/api/v1/inspections')).status).toBe(401);
      expect((await api.call('GET', '/api/v1/inspections', { token: person.token })).status).toBe(401);
      const login = await api.call('POST', '/api/v1/auth/login', {
        json: { email: person.email, password: person.password },
      });
      expect(login.status).toBe(401);
      const revoked = await sql.query(
        `SELECT (SELECT count(*)::int FROM user_sessions WHERE user_id = $1 AND revoked_at IS NULL) AS sessions,
                (SELECT count(*)::int FROM user_api_tokens WHERE user_id = $1 AND revoked_at IS NULL) AS tokens`,
        [person.id],
      );
      expect(revoked.rows[0]).toEqual({ sessions: 0, tokens: 0 });
      const audit = await sql.query(
        `SELECT details FROM audit_events WHERE action = 'user.disable' AND target_id = $1`,
        [person.id],
      );
      expect(audit.rows[0].details).toMatchObject({ sessionsEnded: 1, tokensRevoked: 1 });

      const enabled = await api.call('PATCH', `/api/v1/users/${person.id}`, {
        token: api.adminToken,
        json: { disabled: false },
      });
      expect(enabled).toMatchObject({ status: 200, body: { disabled: false } });
      expect((await api.call('GET', '/api/v1/inspections', { token: person.token })).status).toBe(401);
      expect((await signIn(api, person.email, person.password)).csrfToken).toBeTruthy();
      expect(
        (
          await sql.query(
            `SELECT count(*)::int AS n FROM audit_events WHERE action = 'user.enable' AND target_id = $1`,
            [person.id],
          )
        ).rows[0].n,
      ).toBe(1);
    });

    it('resets a password to a temporary one: old password and sessions end, the new one must be changed', async () => {
      const person = await createConsoleUser(api, 'forgot@example.com', 'qa');
      const session = await signIn(api, person.email, person.password);
      const reset = await api.call('POST', `/api/v1/users/${person.id}/password-reset`, {
        token: api.adminToken,
      });
      expect(reset.status).toBe(200);
      expect(reset.body.temporaryPassword).toMatch(/^[\w-]{16}$/);
      expect(reset.body.user).toMatchObject({ id: person.id, mustChangePassword: true });
      expect((await session.call('GET', '/api/v1/inspections')).status).toBe(401);
      const old = await api.call('POST', '/api/v1/auth/login', {
        json: { email: person.email, password: person.password },
      });
      expect(old.status).toBe(401);
      const fresh = await signIn(api, person.email, reset.body.temporaryPassword);
      expect((await fresh.call('GET', '/api/v1/review-queue/summary')).body.error).toBe(
        'password_change_required',
      );
      // Bearer tokens are kept by a reset (integrations keep running).
      expect((await api.call('GET', '/api/v1/inspections', { token: person.token })).status).toBe(200);
      const audit = await sql.query(
        `SELECT actor_id FROM audit_events WHERE action = 'user.password.reset' AND target_id = $1`,
        [person.id],
      );
      expect(audit.rows).toEqual([{ actor_id: adminId }]);
      expect(
        JSON.stringify(await sql.query(`SELECT details FROM audit_events WHERE target_id = $1`, [person.id])),
      ).not.toContain(reset.body.temporaryPassword);
    });

    it('never leaves the product without an enabled administrator (409), even demoting oneself', async () => {
      const events = await count('audit_events');
      for (const json of [{ role: 'qa' }, { disabled: true }]) {
        const refused = await api.call('PATCH', `/api/v1/users/${adminId}`, { token: api.adminToken, json });
        expect(refused).toMatchObject({ status: 409, body: { error: 'last_admin' } });
      }
      expect(await count('audit_events')).toBe(events);
      // With a second administrator, the first may step down; then the second is the last one.
      const second = await createConsoleUser(api, 'admin2@example.com', 'admin');
      const stepDown = await api.call('PATCH', `/api/v1/users/${adminId}`, {
        token: api.adminToken,
        json: { role: 'ml_engineer' },
      });
      expect(stepDown).toMatchObject({ status: 200, body: { role: 'ml_engineer' } });
      const last = await api.call('PATCH', `/api/v1/users/${second.id}`, {
        token: second.token,
        json: { disabled: true },
      });
      expect(last).toMatchObject({ status: 409, body: { error: 'last_admin' } });
      const back = await api.call('PATCH', `/api/v1/users/${adminId}`, {
        token: second.token,
        json: { role: 'admin' },
      });
      expect(back.status).toBe(200);
    });
  });

  describe('audit log', () => {
    it('lists newest first with filters and cursor pages; admin only', async () => {
      const { lineId } = await createLineWithCamera(api, 'audited');
      for (const description of ['one', 'two', 'three'])
        await api.call('PATCH', `/api/v1/lines/${lineId}`, { token: api.adminToken, json: { description } });
      const all = await api.call('GET', '/api/v1/audit-events?limit=500', { token: api.adminToken });
      expect(all.status).toBe(400);
      const first = await api.call(
        'GET',
        `/api/v1/audit-events?targetType=production_line&targetId=${lineId}&limit=2`,
        { token: api.adminToken },
      );
      expect(first.status).toBe(200);
      expect(first.body.items.map((e: { action: string }) => e.action)).toEqual([
        'line.update',
        'line.update',
      ]);
      expect(first.body.items[0].details).toEqual({ description: 'three' });
      expect(first.body.items[0]).toMatchObject({
        actorType: 'user',
        actorId: adminId,
        actorEmail: 'admin@example.com',
      });
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await api.call(
        'GET',
        `/api/v1/audit-events?targetType=production_line&targetId=${lineId}&limit=2&cursor=${first.body.nextCursor}`,
        { token: api.adminToken },
      );
      expect(second.body.items.map((e: { action: string }) => e.action)).toEqual([
        'line.update',
        'line.create',
      ]);
      expect(second.body.items[0].details).toEqual({ description: 'one' });
      expect(second.body.nextCursor).toBeNull();

      const byAction = await api.call('GET', `/api/v1/audit-events?action=camera.create&actorId=${adminId}`, {
        token: api.adminToken,
      });
      expect(byAction.body.items.length).toBeGreaterThan(0);
      expect(byAction.body.items.every((e: { action: string }) => e.action === 'camera.create')).toBe(true);
      const future = new Date(Date.now() + 3600_000).toISOString();
      const none = await api.call('GET', `/api/v1/audit-events?from=${future}`, { token: api.adminToken });
      expect(none.body).toEqual({ items: [], nextCursor: null });
      const past = await api.call('GET', `/api/v1/audit-events?to=2000-01-01T00:00:00.000Z`, {
        token: api.adminToken,
      });
      expect(past.body.items).toEqual([]);

      for (const query of [
        'cursor=abc',
        'from=yesterday',
        `from=${future}&to=2000-01-01T00:00:00.000Z`,
        'limit=0',
        'nope=1',
      ]) {
        const bad = await api.call('GET', `/api/v1/audit-events?${query}`, { token: api.adminToken });
        expect([query, bad.status]).toEqual([query, 400]);
      }
      // A cursor from another list (a UUID id) is not one of this list's.
      const uuidCursor = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', ABSENT])).toString(
        'base64url',
      );
      expect(
        (await api.call('GET', `/api/v1/audit-events?cursor=${uuidCursor}`, { token: api.adminToken }))
          .status,
      ).toBe(400);
      for (const token of [qa.token, engineer.token])
        expect((await api.call('GET', '/api/v1/audit-events', { token })).status).toBe(403);
    });
  });

  describe('line webhook test event', () => {
    let receiver: Server;
    let received: { headers: IncomingHttpHeaders; body: string }[] = [];
    let answer = 204;
    let receiverUrl: string;
    beforeAll(async () => {
      receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => (body += chunk));
        request.on('end', () => {
          received.push({ headers: request.headers, body });
          response.statusCode = answer;
          response.end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    });
    afterAll(() => receiver.close());

    it('sends a signed test event and answers the delivery result', async () => {
      const created = await api.call('POST', '/api/v1/lines', {
        token: api.adminToken,
        json: { name: 'hooked', webhookUrl: receiverUrl },
      });
      const secret: string = created.body.webhookSecret;
      received = [];
      answer = 204;
      const sent = await api.call('POST', `/api/v1/lines/${created.body.id}/webhook/test`, {
        token: api.adminToken,
      });
      expect(sent).toMatchObject({
        status: 200,
        body: { url: receiverUrl, delivered: true, httpStatus: 204, error: null },
      });
      expect(sent.body.latencyMs).toBeGreaterThanOrEqual(0);
      expect(received).toHaveLength(1);
      const { headers, body } = received[0];
      expect(JSON.parse(body)).toMatchObject({
        event: 'test',
        line: { id: created.body.id, name: 'hooked' },
      });
      expect(headers['x-linescope-event']).toBe('test');
      const t = Number(/t=(\d+)/.exec(String(headers['x-linescope-signature']))?.[1]);
      expect(headers['x-linescope-signature']).toBe(signWebhook(secret, body, t));

      answer = 500;
      const failed = await api.call('POST', `/api/v1/lines/${created.body.id}/webhook/test`, {
        token: api.adminToken,
      });
      expect(failed.body).toMatchObject({ delivered: false, httpStatus: 500 });
      expect(failed.body.error).toContain('500');

      const audited = await sql.query(
        `SELECT details FROM audit_events WHERE action = 'line.webhook.test' AND target_id = $1 ORDER BY id`,
        [created.body.id],
      );
      expect(audited.rows.map((r) => r.details.httpStatus)).toEqual([204, 500]);
    });

    it('answers a network failure as not delivered, with the reason', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const created = await api.call('POST', '/api/v1/lines', {
        token: api.adminToken,
        json: { name: 'unreachable', webhookUrl: `http://127.0.0.1:${port}/hook` },
      });
      const sent = await api.call('POST', `/api/v1/lines/${created.body.id}/webhook/test`, {
        token: api.adminToken,
      });
      expect(sent).toMatchObject({ status: 200, body: { delivered: false, httpStatus: null } });
      expect(sent.body.error).toMatch(/ECONNREFUSED/);
    });

    it('refuses a line with no webhook (409), an absent line (404), a bad id (400), qa and ml_engineer (403)', async () => {
      const { lineId } = await createLineWithCamera(api, 'no-hook');
      const events = await count('audit_events');
      expect(
        await api.call('POST', `/api/v1/lines/${lineId}/webhook/test`, { token: api.adminToken }),
      ).toMatchObject({
        status: 409,
        body: { error: 'no_webhook' },
      });
      expect(
        (await api.call('POST', `/api/v1/lines/${ABSENT}/webhook/test`, { token: api.adminToken })).status,
      ).toBe(404);
      expect((await api.call('POST', `/api/v1/lines/x/webhook/test`, { token: api.adminToken })).status).toBe(
        400,
      );
      for (const token of [qa.token, engineer.token])
        expect((await api.call('POST', `/api/v1/lines/${lineId}/webhook/test`, { token })).status).toBe(403);
      expect(await count('audit_events')).toBe(events);
    });
  });

  describe('camera keys', () => {
    it('rotates atomically: the new key works, the old one stops, shown once; audited', async () => {
      const { cameraId, cameraKey } = await createLineWithCamera(api, 'rotating');
      const rotated = await api.call('POST', `/api/v1/cameras/${cameraId}/keys`, {
        token: api.adminToken,
        json: {},
      });
      expect(rotated.status).toBe(201);
      expect(rotated.body.apiKey).toMatch(/^lsk_/);
      const keys = await api.call('GET', `/api/v1/cameras/${cameraId}/keys`, { token: api.adminToken });
      expect(keys.body.map((k: { revokedAt: string | null }) => k.revokedAt === null)).toEqual([false, true]);
      expect(JSON.stringify(keys.body)).not.toContain(rotated.body.apiKey);
      expect(
        (await api.call('GET', '/api/v1/inspections', { headers: { 'x-api-key': cameraKey } })).status,
      ).toBe(401);
      expect(
        (await api.call('GET', '/api/v1/inspections', { headers: { 'x-api-key': rotated.body.apiKey } }))
          .status,
      ).toBe(200);
      for (const token of [qa.token, engineer.token])
        expect((await api.call('POST', `/api/v1/cameras/${cameraId}/keys`, { token, json: {} })).status).toBe(
          403,
        );
      expect(
        (await api.call('POST', `/api/v1/cameras/${ABSENT}/keys`, { token: api.adminToken, json: {} }))
          .status,
      ).toBe(404);
    });
  });
});
