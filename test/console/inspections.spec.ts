import sharp from 'sharp';
import { Client } from 'pg';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { type CookieSession, createConsoleUser, signIn } from '../support/console-users';
import {
  type SeededLine,
  createLineWithCamera,
  insertInspections,
  insertModelVersion,
} from '../support/console-seed';
import { datasetImages } from '../support/datasets';

const [tile] = datasetImages('magnetic-tile', 'crack', 1);

describe('lines: defect types', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApiHarness();
  });
  afterAll(async () => api.stop());

  it('stores, returns and updates a line’s defect types, [] by default', async () => {
    const plain = await api.call('POST', '/api/v1/lines', { token: api.adminToken, json: { name: 'plain' } });
    expect(plain.body.defectTypes).toEqual([]);
    const created = await api.call('POST', '/api/v1/lines', {
      token: api.adminToken,
      json: { name: 'typed', defectTypes: ['crack', 'blow_hole', 'fray-2'] },
    });
    expect(created).toMatchObject({ status: 201, body: { defectTypes: ['crack', 'blow_hole', 'fray-2'] } });
    const updated = await api.call('PATCH', `/api/v1/lines/${created.body.id}`, {
      token: api.adminToken,
      json: { defectTypes: ['uneven'] },
    });
    expect(updated).toMatchObject({ status: 200, body: { defectTypes: ['uneven'] } });
    const read = await api.call('GET', `/api/v1/lines/${created.body.id}`, { token: api.adminToken });
    expect(read.body.defectTypes).toEqual(['uneven']);
  });

  it.each([
    [['Crack'], /each defect type/],
    [['-crack'], /each defect type/],
    [['a'.repeat(65)], /each defect type/],
    [[3], /each defect type/],
    [['dup', 'dup'], /unique/],
    [Array.from({ length: 51 }, (_, i) => `t${i}`), /50/],
    ['crack', /array/],
  ])('refuses defectTypes %j with 400 and writes nothing', async (defectTypes, message) => {
    const result = await api.call('POST', '/api/v1/lines', {
      token: api.adminToken,
      json: { name: `bad-${Math.random().toString(36).slice(2, 8)}`, defectTypes },
    });
    expect(result).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(result.body.message).toMatch(message);
    const lines = await api.call('GET', '/api/v1/lines', { token: api.adminToken });
    expect(lines.body.filter((l: { name: string }) => l.name.startsWith('bad-'))).toEqual([]);
  });
});

describe('inspections for the console', () => {
  let api: ApiHarness;
  let sql: Client;
  let line: SeededLine;
  let qa: CookieSession;
  let modelA: string;
  let modelB: string;
  const at = (minute: number) => new Date(Date.parse('2026-11-02T08:00:00Z') + minute * 60_000);

  beforeAll(async () => {
    api = await startApiHarness();
    sql = new Client({ connectionString: api.db.url });
    await sql.connect();
    line = await createLineWithCamera(api, 'inspect-line');
    modelA = await insertModelVersion(sql, { name: 'a', version: 1 });
    modelB = await insertModelVersion(sql, { name: 'b', version: 1 });
    const user = await createConsoleUser(api, 'viewer@example.com', 'qa');
    qa = await signIn(api, user.email, user.password);
  });
  afterAll(async () => {
    await sql.end();
    await api.stop();
  });

  it('filters by needsReview and modelVersionId, with reviewCount and links in every item', async () => {
    const row = (verdict: 'ok' | 'defect' | 'uncertain', minute: number, model: string) => ({
      lineId: line.lineId,
      cameraId: line.cameraId,
      receivedAt: at(minute),
      verdict,
      modelVersionId: model,
    });
    const [ok, defect, uncertain, reviewed] = await insertInspections(sql, [
      row('ok', 1, modelA),
      row('defect', 2, modelA),
      row('uncertain', 3, modelB),
      row('defect', 4, modelB),
    ]);
    await qa.call('POST', `/api/v1/inspections/${reviewed}/reviews`, { json: { decision: 'ok' } });
    await qa.call('POST', `/api/v1/inspections/${reviewed}/reviews`, { json: { decision: 'defect' } });

    const ids = (body: { items: { id: string }[] }) => body.items.map((item) => item.id);
    const needs = await qa.call('GET', `/api/v1/inspections?lineId=${line.lineId}&needsReview=true`);
    expect(needs.status).toBe(200);
    expect(ids(needs.body)).toEqual([uncertain, defect]);
    const notNeeded = await qa.call('GET', `/api/v1/inspections?lineId=${line.lineId}&needsReview=false`);
    expect(ids(notNeeded.body)).toEqual([reviewed, ok]);
    const byModel = await qa.call('GET', `/api/v1/inspections?modelVersionId=${modelB}`);
    expect(ids(byModel.body)).toEqual([reviewed, uncertain]);
    const combined = await qa.call('GET', `/api/v1/inspections?modelVersionId=${modelA}&needsReview=true`);
    expect(ids(combined.body)).toEqual([defect]);

    const all = await qa.call('GET', `/api/v1/inspections?lineId=${line.lineId}`);
    const reviewedItem = all.body.items.find((item: { id: string }) => item.id === reviewed);
    expect(reviewedItem).toMatchObject({
      reviewCount: 2,
      thumbnailUrl: `/api/v1/inspections/${reviewed}/thumbnail`,
      imageUrl: `/api/v1/inspections/${reviewed}/image`,
      // A defect not rendered yet: the link renders it on demand.
      heatmapAvailable: false,
      heatmapUrl: `/api/v1/inspections/${reviewed}/heatmap`,
    });
    expect(all.body.items.find((item: { id: string }) => item.id === ok)).toMatchObject({
      reviewCount: 0,
      heatmapUrl: null,
    });
    const bad = await qa.call('GET', '/api/v1/inspections?needsReview=maybe&modelVersionId=x');
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('makes a WebP thumbnail once, stores it, and serves image, thumbnail and heatmap to the cookie', async () => {
    const upload = await api.call('POST', '/api/v1/inspections?serial=SN-THUMB', {
      body: tile.bytes,
      headers: { 'content-type': 'image/jpeg', 'x-api-key': line.cameraKey },
    });
    expect(upload.status).toBe(202);
    const id: string = upload.body.id;
    expect(upload.body.thumbnailUrl).toBe(`/api/v1/inspections/${id}/thumbnail`);

    const thumbnail = await fetch(`${api.url}/api/v1/inspections/${id}/thumbnail`, {
      headers: { cookie: qa.cookie },
    });
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    expect(thumbnail.headers.get('cache-control')).toBe('private, max-age=86400');
    const bytes = Buffer.from(await thumbnail.arrayBuffer());
    const meta = await sharp(bytes).metadata();
    const original = await sharp(tile.bytes).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width, meta.height)).toBe(Math.min(256, Math.max(original.width, original.height)));
    expect(meta.width / meta.height).toBeCloseTo(original.width / original.height, 1);

    const store = api.running.infra.store;
    expect(await store.exists(`thumbnails/${id}.webp`)).toBe(true);
    // Made once: with the original gone, the stored thumbnail is still served, byte for byte.
    const row = await sql.query(`SELECT image_key FROM inspections WHERE id = $1`, [id]);
    const image = await fetch(`${api.url}/api/v1/inspections/${id}/image`, {
      headers: { cookie: qa.cookie },
    });
    expect(image.status).toBe(200);
    expect(Buffer.from(await image.arrayBuffer()).equals(tile.bytes)).toBe(true);
    await store.delete(row.rows[0].image_key);
    const again = await fetch(`${api.url}/api/v1/inspections/${id}/thumbnail`, {
      headers: { cookie: qa.cookie },
    });
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer()).equals(bytes)).toBe(true);

    // The camera that took it may read its thumbnail; anonymous callers may not.
    const asCamera = await api.call('GET', `/api/v1/inspections/${id}/thumbnail`, {
      headers: { 'x-api-key': line.cameraKey },
    });
    expect(asCamera.status).toBe(200);
    expect((await fetch(`${api.url}/api/v1/inspections/${id}/thumbnail`)).status).toBe(401);

    const heatmap = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    await store.put(`heatmaps/${id}.png`, heatmap, { contentType: 'image/png' });
    await sql.query(`UPDATE inspections SET heatmap_key = $2 WHERE id = $1`, [id, `heatmaps/${id}.png`]);
    const item = await qa.call('GET', `/api/v1/inspections/${id}`);
    expect(item.body.heatmapUrl).toBe(`/api/v1/inspections/${id}/heatmap`);
    const served = await fetch(`${api.url}${item.body.heatmapUrl}`, { headers: { cookie: qa.cookie } });
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(heatmap)).toBe(true);
  });

  it('answers 404 for the thumbnail of an absent inspection', async () => {
    const missing = await qa.call(
      'GET',
      '/api/v1/inspections/00000000-0000-4000-8000-000000000000/thumbnail',
    );
    expect(missing).toMatchObject({ status: 404, body: { error: 'inspection_not_found' } });
  });

  it('keeps the filtered list index-served', async () => {
    await sql.query('BEGIN');
    try {
      await sql.query('SET LOCAL enable_seqscan = off');
      const explain = async (where: string) =>
        (
          await sql.query(
            `EXPLAIN SELECT * FROM inspections i WHERE ${where} ORDER BY i.received_at DESC, i.id DESC LIMIT 51`,
          )
        ).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n');
      expect(await explain(`i.review_count = 0 AND i.verdict IN ('uncertain', 'defect')`)).toContain(
        'inspections_needs_review',
      );
      expect(await explain(`i.model_version_id = '${modelA}'`)).toContain('inspections_model_received');
    } finally {
      await sql.query('ROLLBACK');
    }
  });
});
