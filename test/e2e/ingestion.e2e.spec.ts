import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import sharp from 'sharp';
import { Client } from 'pg';
import { craftPngHeader } from '../../libs/vision/src/preprocess/image.fixture';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { datasetImages } from '../support/datasets';

const tiles = datasetImages('magnetic-tile', 'crack', 6);
const steel = datasetImages('neu-cls', 'scratches', 1)[0];

describe('camera ingestion API', () => {
  let api: ApiHarness;
  let lineId: string;
  let cameraKey: string;
  let cameraId: string;

  async function countRows(sql: string, values: unknown[] = []): Promise<number> {
    const client = new Client({ connectionString: api.db.url });
    await client.connect();
    try {
      return Number((await client.query(sql, values)).rows[0].count);
    } finally {
      await client.end();
    }
  }
  const storedImages = async () => {
    const keys: string[] = [];
    for await (const object of api.running.infra.store.list('images/')) keys.push(object.key);
    return keys;
  };
  const upload = (
    bytes: Buffer,
    contentType: string,
    extra: { key?: string; headers?: Record<string, string>; query?: string } = {},
  ) =>
    api.call('POST', `/api/v1/inspections${extra.query ?? ''}`, {
      body: bytes,
      headers: { 'content-type': contentType, 'x-api-key': extra.key ?? cameraKey, ...extra.headers },
    });

  beforeAll(async () => {
    api = await startApiHarness({
      MAX_IMAGE_BYTES: String(2 * 1024 * 1024),
      MAX_IMAGE_PIXELS: String(4_000_000),
    });
    const line = await api.call('POST', '/api/v1/lines', {
      token: api.adminToken,
      json: { name: 'tiles-1', verdictMode: 'sync', verdictDeadlineMs: 300 },
    });
    expect(line.status).toBe(201);
    lineId = line.body.id;
    const camera = await api.call('POST', `/api/v1/lines/${lineId}/cameras`, {
      token: api.adminToken,
      json: { name: 'cam-1', rateLimitPerSecond: 1000 },
    });
    expect(camera.status).toBe(201);
    expect(camera.body.apiKey).toMatch(/^lsk_/);
    cameraKey = camera.body.apiKey;
    cameraId = camera.body.camera.id;
  });
  afterAll(async () => api.stop());

  describe('authentication', () => {
    it('refuses uploads without a key, with an unknown key, and with a person token', async () => {
      const none = await api.call('POST', '/api/v1/inspections', {
        body: tiles[0].bytes,
        headers: { 'content-type': 'image/jpeg' },
      });
      expect(none).toMatchObject({ status: 401, body: { error: 'unauthenticated' } });
      expect((await upload(tiles[0].bytes, 'image/jpeg', { key: 'lsk_not-a-real-key' })).body.error).toBe(
        'invalid_api_key',
      );
      const asAdmin = await api.call('POST', '/api/v1/inspections', {
        token: api.adminToken,
        body: tiles[0].bytes,
        headers: { 'content-type': 'image/jpeg' },
      });
      expect(asAdmin).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    });

    it('keeps camera keys out of admin endpoints, and qa users out of admin-only ones', async () => {
      const asCamera = await api.call('POST', '/api/v1/lines', {
        headers: { 'x-api-key': cameraKey },
        json: { name: 'x' },
      });
      expect(asCamera.status).toBe(403);
      const qa = await api.call('POST', '/api/v1/users', {
        token: api.adminToken,
        json: { email: 'qa@example.com', displayName: 'QA', role: 'qa' },
      });
      expect(qa.status).toBe(201);
      const denied = await api.call('POST', '/api/v1/lines', { token: qa.body.token, json: { name: 'y' } });
      expect(denied).toMatchObject({ status: 403, body: { error: 'forbidden' } });
      expect((await api.call('GET', '/api/v1/lines', { token: qa.body.token })).status).toBe(200);
    });

    it('stores only a hash of each key, and revocation and rotation take effect at once', async () => {
      const cam = await api.call('POST', `/api/v1/lines/${lineId}/cameras`, {
        token: api.adminToken,
        json: { name: 'cam-rotate' },
      });
      const firstKey: string = cam.body.apiKey;
      expect(await countRows(`SELECT count(*) FROM camera_api_keys WHERE key_hash = $1`, [firstKey])).toBe(0);
      expect((await upload(tiles[0].bytes, 'image/jpeg', { key: firstKey })).status).toBeLessThan(300);

      const rotated = await api.call('POST', `/api/v1/cameras/${cam.body.camera.id}/keys`, {
        token: api.adminToken,
        json: {},
      });
      expect(rotated.status).toBe(201);
      expect((await upload(tiles[1].bytes, 'image/jpeg', { key: firstKey })).body.error).toBe(
        'invalid_api_key',
      );
      expect((await upload(tiles[1].bytes, 'image/jpeg', { key: rotated.body.apiKey })).status).toBeLessThan(
        300,
      );

      const revoke = await api.call(
        'POST',
        `/api/v1/cameras/${cam.body.camera.id}/keys/${rotated.body.key.id}/revoke`,
        {
          token: api.adminToken,
        },
      );
      expect(revoke.status).toBe(200);
      expect(revoke.body.revokedAt).toEqual(expect.any(String));
      expect((await upload(tiles[2].bytes, 'image/jpeg', { key: rotated.body.apiKey })).status).toBe(401);
      const keys = await api.call('GET', `/api/v1/cameras/${cam.body.camera.id}/keys`, {
        token: api.adminToken,
      });
      expect(keys.body.map((k: { revokedAt: string | null }) => k.revokedAt !== null)).toEqual([true, true]);
      expect(JSON.stringify(keys.body)).not.toContain(rotated.body.apiKey);
      expect(
        await countRows(`SELECT count(*) FROM audit_events WHERE target_id = $1`, [cam.body.camera.id]),
      ).toBe(3);
    });

    it('lets a camera read only its own inspections', async () => {
      const mine = await upload(tiles[3].bytes, 'image/jpeg');
      const other = await api.call('POST', `/api/v1/lines/${lineId}/cameras`, {
        token: api.adminToken,
        json: { name: 'cam-other' },
      });
      expect(
        (
          await api.call('GET', `/api/v1/inspections/${mine.body.id}`, {
            headers: { 'x-api-key': cameraKey },
          })
        ).status,
      ).toBe(200);
      const peek = await api.call('GET', `/api/v1/inspections/${mine.body.id}`, {
        headers: { 'x-api-key': other.body.apiKey },
      });
      expect(peek).toMatchObject({ status: 404, body: { error: 'inspection_not_found' } });
    });
  });

  describe('uploads', () => {
    it('takes a raw JPEG, stores it, and answers pending when no inference instance answers', async () => {
      const before = await storedImages();
      const response = await upload(tiles[0].bytes, 'image/jpeg', {
        query: '?serial=SN-1&capturedAt=2026-11-29T08:00:00.000Z',
      });
      expect(response.status).toBe(202);
      expect(response.headers.get('location')).toBe(`/api/v1/inspections/${response.body.id}`);
      const meta = await sharp(tiles[0].bytes).metadata();
      expect(response.body).toMatchObject({
        status: 'pending',
        verdict: null,
        lineId,
        cameraId,
        productSerial: 'SN-1',
        capturedAt: '2026-11-29T08:00:00.000Z',
        image: { format: 'jpeg', width: meta.width, height: meta.height, bytes: tiles[0].bytes.length },
      });
      const after = await storedImages();
      expect(after.length).toBe(before.length + 1);
      const [key] = after.filter((k) => !before.includes(k));
      expect(key).toContain(response.body.id);
      expect((await api.running.infra.store.get(key)).equals(tiles[0].bytes)).toBe(true);
    });

    it('takes a multipart PNG with its fields', async () => {
      const form = new FormData();
      form.append('image', new Blob([steel.bytes], { type: 'image/png' }), steel.name);
      form.append('serial', 'SN-PNG');
      form.append('idempotencyKey', 'multipart-1');
      const response = await api.call('POST', '/api/v1/inspections', {
        body: form,
        headers: { 'x-api-key': cameraKey },
      });
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({
        productSerial: 'SN-PNG',
        image: { format: 'png', width: 200, height: 200 },
      });
    });

    const bad: [string, () => Promise<Buffer>, string, number, string][] = [
      ['an empty body', async () => Buffer.alloc(0), 'image/jpeg', 400, 'empty_image'],
      [
        'random bytes',
        async () => Buffer.from('this is not an image at all, just text'),
        'image/jpeg',
        415,
        'unsupported_format',
      ],
      ['a PNG declared as JPEG', async () => steel.bytes, 'image/jpeg', 415, 'content_type_mismatch'],
      [
        'a truncated JPEG',
        async () => tiles[0].bytes.subarray(0, Math.floor(tiles[0].bytes.length / 2)),
        'image/jpeg',
        422,
        'corrupt_image',
      ],
      [
        'a decompression bomb',
        async () => craftPngHeader(30_000, 30_000),
        'image/png',
        413,
        'too_many_pixels',
      ],
      [
        'an image over the byte limit',
        async () => Buffer.concat([tiles[0].bytes, Buffer.alloc(3 * 1024 * 1024)]),
        'image/jpeg',
        413,
        'image_too_large',
      ],
    ];
    it.each(bad)(
      'refuses %s with a clear error and stores nothing',
      async (_what, make, type, status, code) => {
        const rowsBefore = await countRows('SELECT count(*) FROM inspections');
        const objectsBefore = (await storedImages()).length;
        const response = await upload(await make(), type);
        expect(response.status).toBe(status);
        expect(response.body).toMatchObject({ statusCode: status, error: code, message: expect.any(String) });
        expect(await countRows('SELECT count(*) FROM inspections')).toBe(rowsBefore);
        expect((await storedImages()).length).toBe(objectsBefore);
      },
    );

    it('refuses bad fields and a wrong multipart field', async () => {
      const when = await upload(tiles[1].bytes, 'image/jpeg', { query: '?capturedAt=yesterday' });
      expect(when).toMatchObject({
        status: 400,
        body: { error: 'invalid_request', message: expect.stringContaining('capturedAt') },
      });
      const form = new FormData();
      form.append('picture', new Blob([steel.bytes], { type: 'image/png' }), 'x.png');
      const wrong = await api.call('POST', '/api/v1/inspections', {
        body: form,
        headers: { 'x-api-key': cameraKey },
      });
      expect(wrong).toMatchObject({ status: 400, body: { error: 'unexpected_field' } });
    });

    it('answers a retry with the same idempotency key with the first result, never a second row or object', async () => {
      const headers = { 'idempotency-key': 'tile-000042' };
      const first = await upload(tiles[4].bytes, 'image/jpeg', { headers });
      const objects = (await storedImages()).length;
      const retries = await Promise.all(
        [1, 2, 3].map(() => upload(tiles[4].bytes, 'image/jpeg', { headers })),
      );
      for (const retry of retries) {
        expect(retry.status).toBe(200);
        expect(retry.headers.get('idempotent-replayed')).toBe('true');
        expect(retry.body.id).toBe(first.body.id);
      }
      expect(await countRows(`SELECT count(*) FROM inspections WHERE idempotency_key = 'tile-000042'`)).toBe(
        1,
      );
      expect((await storedImages()).length).toBe(objects);
      const misuse = await upload(tiles[5].bytes, 'image/jpeg', { headers });
      expect(misuse).toMatchObject({ status: 409, body: { error: 'idempotency_key_reused' } });
    });

    it('lets concurrent first attempts with one key make exactly one row and one object', async () => {
      const headers = { 'idempotency-key': 'race-1' };
      const objects = (await storedImages()).length;
      const answers = await Promise.all(
        [1, 2, 3, 4].map(() => upload(tiles[2].bytes, 'image/jpeg', { headers })),
      );
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      expect(await countRows(`SELECT count(*) FROM inspections WHERE idempotency_key = 'race-1'`)).toBe(1);
      expect((await storedImages()).length).toBe(objects + 1);
    });

    it('rate-limits a camera with 429 and Retry-After', async () => {
      const cam = await api.call('POST', `/api/v1/lines/${lineId}/cameras`, {
        token: api.adminToken,
        json: { name: 'cam-slow', rateLimitPerSecond: 0.5 },
      });
      const first = await upload(tiles[0].bytes, 'image/jpeg', { key: cam.body.apiKey });
      expect(first.status).toBe(202);
      const second = await upload(tiles[0].bytes, 'image/jpeg', { key: cam.body.apiKey });
      expect(second).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });
  });

  describe('verdict modes', () => {
    let slowInference: Server;
    let answeringInference: Server;
    const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    beforeAll(async () => {
      // Stand-ins for inference instances at the HTTP contract (POST /predict): one too slow for the deadline,
      // one that answers. The real service is exercised by the inference tests.
      slowInference = createServer((_req, res) => setTimeout(() => res.end('{}'), 2_000));
      answeringInference = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              modelVersionId: answeringModelId,
              verdict: 'defect',
              score: 0.91,
              probabilities: { ok: 0.09, defect: 0.91 },
              engine: 'stand-in',
              timing: { decodeMs: 1, preprocessMs: 1, forwardMs: 5 },
            }),
          );
        });
      });
      await Promise.all(
        [slowInference, answeringInference].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))),
      );
    });
    afterAll(async () => {
      for (const server of [slowInference, answeringInference]) {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    });
    let answeringModelId = '';

    function setInferenceUrls(urls: string[]) {
      (api.running.infra.config as { inferenceUrls: string[] }).inferenceUrls = urls;
    }

    it('falls back to pending when the verdict misses the line deadline, and queues the scoring', async () => {
      setInferenceUrls([urlOf(slowInference)]);
      const started = Date.now();
      const response = await upload(tiles[1].bytes, 'image/jpeg');
      const elapsed = Date.now() - started;
      expect(response.status).toBe(202);
      expect(response.body.status).toBe('pending');
      expect(elapsed).toBeLessThan(1_500); // the deadline is 300 ms; the instance takes 2 s
      expect(
        await countRows(
          `SELECT count(*) FROM pgboss.job WHERE name = 'score-inspection' AND data->>'inspectionId' = $1`,
          [response.body.id],
        ),
      ).toBe(1);
    });

    it('records the verdict when it comes within the deadline, and queues a heatmap for a defect', async () => {
      const client = new Client({ connectionString: api.db.url });
      await client.connect();
      answeringModelId = (
        await client.query(
          `INSERT INTO model_versions (name, version, architecture, spec, input_height, input_width, class_names, preprocessing, artifact_key)
           VALUES ('m', 1, 'resnet', '{}', 64, 64, '["ok","defect"]', '{}', 'models/m/') RETURNING id`,
        )
      ).rows[0].id;
      await client.end();
      setInferenceUrls(['http://127.0.0.1:9', urlOf(answeringInference)]);
      const response = await upload(tiles[2].bytes, 'image/jpeg');
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        status: 'scored',
        verdict: 'defect',
        score: 0.91,
        modelVersionId: answeringModelId,
      });
      expect(response.body.latency).toMatchObject({
        engine: 'stand-in',
        forwardMs: 5,
        storeMs: expect.any(Number),
      });
      expect(
        await countRows(
          `SELECT count(*) FROM pgboss.job WHERE name = 'render-heatmap' AND data->>'inspectionId' = $1`,
          [response.body.id],
        ),
      ).toBe(1);
    });

    it('answers 202 at once on an async line, with the scoring job committed with the row', async () => {
      const line = await api.call('POST', '/api/v1/lines', {
        token: api.adminToken,
        json: { name: 'async-line', verdictMode: 'async' },
      });
      const cam = await api.call('POST', `/api/v1/lines/${line.body.id}/cameras`, {
        token: api.adminToken,
        json: { name: 'c' },
      });
      const response = await upload(tiles[3].bytes, 'image/jpeg', { key: cam.body.apiKey });
      expect(response.status).toBe(202);
      expect(
        await countRows(
          `SELECT count(*) FROM pgboss.job WHERE name = 'score-inspection' AND data->>'inspectionId' = $1`,
          [response.body.id],
        ),
      ).toBe(1);
      const polled = await api.call('GET', `/api/v1/inspections/${response.body.id}`, {
        headers: { 'x-api-key': cam.body.apiKey },
      });
      expect(polled.body.status).toBe('pending');
    });
  });

  describe('queries', () => {
    it('pages through inspections with a cursor, newest first, without gaps or repeats', async () => {
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const page: {
          status: number;
          body: { items: { id: string; receivedAt: string }[]; nextCursor: string | null };
        } = await api.call(
          'GET',
          `/api/v1/inspections?lineId=${lineId}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
          {
            token: api.adminToken,
          },
        );
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(3);
        all.push(...page.body.items.map((i) => i.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      const expected = await countRows(`SELECT count(*) FROM inspections WHERE line_id = $1`, [lineId]);
      expect(all.length).toBe(expected);
      expect(new Set(all).size).toBe(expected);
      const full = await api.call('GET', `/api/v1/inspections?lineId=${lineId}&limit=500`, {
        token: api.adminToken,
      });
      expect(full.body.items.map((i: { id: string }) => i.id)).toEqual(all);
      const times = full.body.items.map((i: { receivedAt: string }) => Date.parse(i.receivedAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('filters by verdict, status, camera, review state and time', async () => {
      const q = (query: string) => api.call('GET', `/api/v1/inspections?${query}`, { token: api.adminToken });
      const defects = await q('verdict=defect');
      expect(defects.body.items.length).toBeGreaterThanOrEqual(1);
      expect(defects.body.items.every((i: { verdict: string }) => i.verdict === 'defect')).toBe(true);
      const pending = await q(`status=pending&cameraId=${cameraId}`);
      expect(
        pending.body.items.every(
          (i: { status: string; cameraId: string }) => i.status === 'pending' && i.cameraId === cameraId,
        ),
      ).toBe(true);
      expect((await q('reviewed=true')).body.items).toEqual([]);
      expect((await q('from=2999-01-01T00:00:00Z')).body.items).toEqual([]);
      expect((await q('verdict=maybe')).status).toBe(400);
      expect((await q('cursor=garbage')).body.error).toBe('invalid_cursor');
    });

    it('streams the image and hands out signed links that expire and cannot be forged', async () => {
      const page = await api.call('GET', `/api/v1/inspections?lineId=${lineId}&limit=1`, {
        token: api.adminToken,
      });
      const id = page.body.items[0].id;
      const image = await fetch(`${api.url}/api/v1/inspections/${id}/image`, {
        headers: { authorization: `Bearer ${api.adminToken}` },
      });
      expect(image.status).toBe(200);
      const bytes = Buffer.from(await image.arrayBuffer());
      expect(bytes.length).toBe(page.body.items[0].image.bytes);

      const links = await api.call('GET', `/api/v1/inspections/${id}/links`, { token: api.adminToken });
      expect(links.status).toBe(200);
      // Relative without PUBLIC_URL: never built from the request's Host header.
      expect(links.body.image).toMatch(/^\/api\/v1\/files\//);
      const link = (href: string) => `${api.url}${href}`;
      const signed = await fetch(link(links.body.image));
      expect(signed.status).toBe(200);
      expect(Buffer.from(await signed.arrayBuffer()).equals(bytes)).toBe(true);
      const forged = await fetch(link(links.body.image.replace(/sig=[^&]+/, 'sig=AAAA')));
      expect(forged.status).toBe(403);
      const otherKey = Buffer.from('models/secret/model.json').toString('base64url');
      const swapped = await fetch(link(links.body.image.replace(/files\/[^?]+/, `files/${otherKey}`)));
      expect(swapped.status).toBe(403);
      const expired = await fetch(link(links.body.image.replace(/expires=\d+/, 'expires=1000')));
      expect(expired.status).toBe(403);
    });
  });
});
