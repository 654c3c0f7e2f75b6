import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import {
  type SeededLine,
  createLineWithCamera,
  insertInspections,
  insertModelVersion,
} from '../support/console-seed';
import { datasetImages } from '../support/datasets';

const [tile] = datasetImages('magnetic-tile', 'crack', 1);
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('hostile input: control characters, cursors, absent parents', () => {
  let api: ApiHarness;
  let sql: Client;
  let seeded: SeededLine;

  beforeAll(async () => {
    api = await startApiHarness();
    sql = new Client({ connectionString: api.db.url });
    await sql.connect();
    seeded = await createLineWithCamera(api, 'hostile');
  });
  afterAll(async () => {
    await sql.end();
    await api.stop();
  });

  const inspectionCount = async () =>
    Number((await sql.query('SELECT count(*) FROM inspections')).rows[0].count);

  describe('control characters', () => {
    const upload = (query: string, headers: Record<string, string> = {}) =>
      api.call('POST', `/api/v1/inspections${query}`, {
        body: tile.bytes,
        headers: { 'x-api-key': seeded.cameraKey, 'content-type': 'image/jpeg', ...headers },
      });

    it.each([
      ['a NUL byte in the serial', '?serial=SN%0012'],
      ['an escape in the serial', '?serial=SN%1B[31m'],
      ['DEL in the serial', '?serial=SN%7F'],
      ['a line feed in the serial', '?serial=SN%0A12'],
      ['a control character in the idempotency key', '?idempotencyKey=k%01'],
    ])('refuses %s in the query string with 400 invalid_request, storing nothing', async (_what, query) => {
      const before = await inspectionCount();
      const result = await upload(query);
      expect(result.status).toBe(400);
      expect(result.body.error).toBe('invalid_request');
      expect(await inspectionCount()).toBe(before);
    });

    it('refuses a tab inside the Idempotency-Key header', async () => {
      const result = await upload('', { 'idempotency-key': 'key\twith-tab' });
      expect(result).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    });

    it.each([
      ['serial', 'SN\u000012'],
      ['idempotencyKey', 'key\u0008'],
    ])('refuses a control character in the multipart field %s', async (field, value) => {
      const form = new FormData();
      form.append('image', new Blob([tile.bytes], { type: 'image/jpeg' }), 'tile.jpg');
      form.append(field, value);
      const before = await inspectionCount();
      const result = await api.call('POST', '/api/v1/inspections', {
        body: form,
        headers: { 'x-api-key': seeded.cameraKey },
      });
      expect(result).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(await inspectionCount()).toBe(before);
    });

    it('still takes a plain serial', async () => {
      const result = await upload('?serial=SN-000123');
      expect(result.status).toBe(202);
      expect(result.body.productSerial).toBe('SN-000123');
    });

    it.each([
      ['a line description', 'POST', '/api/v1/lines', { name: 'ctl-line', description: 'hall\u0000B' }],
      [
        'a display name',
        'POST',
        '/api/v1/users',
        { email: 'ctl@example.com', displayName: 'x\u001b', role: 'qa' },
      ],
      ['a token name', 'POST', '/api/v1/users/me/tokens', { name: 'lap\u007ftop' }],
      [
        'a login e-mail',
        'POST',
        '/api/v1/auth/login',
        { email: 'a\u0001@example.com', password: 'whatever1234' },
      ],
    ])('refuses a control character in %s with 400 invalid_request', async (_what, method, route, json) => {
      const result = await api.call(method, route, { token: api.adminToken, json });
      expect(result.status).toBe(400);
      expect(result.body.error).toBe('invalid_request');
      expect(result.body.message).toMatch(/control characters/);
    });

    it('allows line breaks but no other control character in a review note', async () => {
      const modelVersionId = await insertModelVersion(sql);
      const [id] = await insertInspections(sql, [
        {
          lineId: seeded.lineId,
          cameraId: seeded.cameraId,
          receivedAt: new Date(),
          verdict: 'defect',
          modelVersionId,
        },
      ]);
      const bell = await api.call('POST', `/api/v1/inspections/${id}/reviews`, {
        token: api.adminToken,
        json: { decision: 'ok', note: 'ring\u0007' },
      });
      expect(bell).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      const multiline = await api.call('POST', `/api/v1/inspections/${id}/reviews`, {
        token: api.adminToken,
        json: { decision: 'ok', note: 'first line\nsecond\tline' },
      });
      expect(multiline.status).toBe(201);
      expect(multiline.body.note).toBe('first line\nsecond\tline');
    });
  });

  describe('pagination cursors', () => {
    it.each([
      ['year 99999', ['+099999-01-01T00:00:00.000Z', randomUUID()]],
      ['a five-digit year without sign', ['99999-01-01T00:00:00.000Z', randomUUID()]],
      ['February 30th', ['2026-02-30T00:00:00.000Z', randomUUID()]],
      ['hour 25', ['2026-01-01T25:00:00.000Z', randomUUID()]],
      [
        'an invalid uuid of the right length',
        [new Date().toISOString(), 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'],
      ],
      ['a uuid made of dashes', [new Date().toISOString(), '-'.repeat(36)]],
      ['a number as the timestamp', [1, randomUUID()]],
      ['three elements', [new Date().toISOString(), randomUUID(), 1]],
    ])('answers 400 invalid_cursor to %s', async (_what, value) => {
      const result = await api.call('GET', `/api/v1/inspections?cursor=${cursorOf(value)}`, {
        token: api.adminToken,
      });
      expect(result).toMatchObject({ status: 400, body: { error: 'invalid_cursor' } });
    });

    it('answers 400 invalid_cursor to garbage', async () => {
      const result = await api.call('GET', '/api/v1/inspections?cursor=%E2%9C%93not-base64', {
        token: api.adminToken,
      });
      expect(result).toMatchObject({ status: 400, body: { error: 'invalid_cursor' } });
    });

    it('still follows the cursors it issues', async () => {
      const line = await createLineWithCamera(api, 'paged');
      const base = Date.UTC(2026, 0, 1);
      await insertInspections(
        sql,
        [0, 1, 2].map((i) => ({
          lineId: line.lineId,
          cameraId: line.cameraId,
          receivedAt: new Date(base + i),
        })),
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `lineId=${line.lineId}&limit=1${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await api.call('GET', `/api/v1/inspections?${query}`, { token: api.adminToken });
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((item: { receivedAt: string }) => item.receivedAt));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([2, 1, 0].map((i) => new Date(base + i).toISOString()));
    });
  });

  describe('absent parents', () => {
    it.each([
      ['/api/v1/inspections/:id/reviews', 'inspection_not_found'],
      ['/api/v1/lines/:id/cameras', 'line_not_found'],
      ['/api/v1/cameras/:id/keys', 'camera_not_found'],
      ['/api/v1/models/:id/shadow-report', 'model_not_found'],
      ['/api/v1/dashboards/lines/:id', 'line_not_found'],
    ])('GET %s answers 404 for an id that does not exist', async (route, code) => {
      const result = await api.call('GET', route.replace(':id', randomUUID()), { token: api.adminToken });
      expect(result).toMatchObject({ status: 404, body: { error: code } });
    });

    it('still lists the children of a parent that exists', async () => {
      const cameras = await api.call('GET', `/api/v1/lines/${seeded.lineId}/cameras`, {
        token: api.adminToken,
      });
      expect(cameras.status).toBe(200);
      expect(cameras.body.map((c: { id: string }) => c.id)).toContain(seeded.cameraId);
    });
  });
});
