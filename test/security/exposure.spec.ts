import { request as httpRequest } from 'node:http';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { Client } from 'pg';
import { imageEnd } from '../../apps/api/src/services/image-end';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { type SeededLine, createLineWithCamera } from '../support/console-seed';
import { DATASETS, datasetImages } from '../support/datasets';

const [tile] = datasetImages('magnetic-tile', 'crack', 1);
/** A minimal ZIP (empty archive: end-of-central-directory record only). */
const ZIP = Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]);

/** node:http, because fetch will not send a Host header of our choosing. */
function getWithHost(url: string, host: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, {
      headers: { host, authorization: `Bearer ${token}`, 'x-forwarded-host': host },
    });
    request.on('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('exposure: links, trailing data, security headers', () => {
  let api: ApiHarness;
  let sql: Client;
  let seeded: SeededLine;
  let inspectionId: string;

  beforeAll(async () => {
    api = await startApiHarness();
    sql = new Client({ connectionString: api.db.url });
    await sql.connect();
    seeded = await createLineWithCamera(api, 'exposure');
    const uploaded = await api.call('POST', '/api/v1/inspections', {
      body: tile.bytes,
      headers: { 'x-api-key': seeded.cameraKey, 'content-type': 'image/jpeg' },
    });
    expect(uploaded.status).toBe(202);
    inspectionId = uploaded.body.id;
  });
  afterAll(async () => {
    await sql.end();
    await api.stop();
  });

  it('builds signed links without the Host header when PUBLIC_URL is unset: relative, and they work', async () => {
    const result = await getWithHost(
      `${api.url}/api/v1/inspections/${inspectionId}/links`,
      'evil.example',
      api.adminToken,
    );
    expect(result.status).toBe(200);
    expect(result.body).not.toContain('evil.example');
    const links = JSON.parse(result.body) as { image: string };
    expect(links.image).toMatch(/^\/api\/v1\/files\/[A-Za-z0-9_-]+\?expires=\d+&sig=/);
    const file = await fetch(`${api.url}${links.image}`);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(tile.bytes)).toBe(true);
  });

  it('builds them under PUBLIC_URL when it is set, whatever the Host header says', async () => {
    const other = await startApiHarness({ PUBLIC_URL: 'https://inspect.factory.example/' });
    try {
      const line = await createLineWithCamera(other, 'public-url');
      const uploaded = await other.call('POST', '/api/v1/inspections', {
        body: tile.bytes,
        headers: { 'x-api-key': line.cameraKey, 'content-type': 'image/jpeg' },
      });
      const result = await getWithHost(
        `${other.url}/api/v1/inspections/${uploaded.body.id}/links`,
        'evil.example',
        other.adminToken,
      );
      expect(result.status).toBe(200);
      expect(result.body).not.toContain('evil.example');
      expect(JSON.parse(result.body).image).toMatch(/^https:\/\/inspect\.factory\.example\/api\/v1\/files\//);
    } finally {
      await other.stop();
    }
  });

  it.each([
    ['a JPEG with a ZIP appended', 'image/jpeg', async () => Buffer.concat([tile.bytes, ZIP])],
    [
      'a PNG with a script appended',
      'image/png',
      async () =>
        Buffer.concat([await sharp(tile.bytes).png().toBuffer(), Buffer.from('<script>alert(1)</script>')]),
    ],
    [
      'a WebP with bytes after its RIFF size',
      'image/webp',
      async () => Buffer.concat([await sharp(tile.bytes).webp().toBuffer(), ZIP]),
    ],
  ])('refuses %s with 422 trailing_data and stores nothing', async (_what, type, make) => {
    const before = Number((await sql.query('SELECT count(*) FROM inspections')).rows[0].count);
    const result = await api.call('POST', '/api/v1/inspections', {
      body: await make(),
      headers: { 'x-api-key': seeded.cameraKey, 'content-type': type },
    });
    expect(result).toMatchObject({ status: 422, body: { error: 'trailing_data' } });
    expect(result.body.details.trailingBytes).toBeGreaterThan(0);
    expect(Number((await sql.query('SELECT count(*) FROM inspections')).rows[0].count)).toBe(before);
  });

  it('finds the end of every dataset image exactly at the end of its file (real cameras write nothing after it)', () => {
    let checked = 0;
    for (const dataset of readdirSync(DATASETS, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      for (const className of readdirSync(path.join(DATASETS, dataset.name), { withFileTypes: true })) {
        if (!className.isDirectory()) continue;
        for (const image of datasetImages(dataset.name, className.name, 20)) {
          const format = /\.png$/i.test(image.name) ? 'png' : 'jpeg';
          expect({ image: image.name, end: imageEnd(image.bytes, format) }).toEqual({
            image: image.name,
            end: image.bytes.length,
          });
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('lets a camera list and read only its own inspections and heatmaps', async () => {
    const other = await createLineWithCamera(api, 'other-line', {}, 'cam-other');
    const camera = { 'x-api-key': seeded.cameraKey };
    const own = await api.call('GET', '/api/v1/inspections', { headers: camera });
    expect(own.status).toBe(200);
    expect(own.body.items.map((i: { id: string }) => i.id)).toContain(inspectionId);
    expect(own.body.items.every((i: { cameraId: string }) => i.cameraId === seeded.cameraId)).toBe(true);
    const foreign = await api.call('GET', `/api/v1/inspections?cameraId=${other.cameraId}`, {
      headers: camera,
    });
    expect(foreign).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    const heatmap = await api.call('GET', `/api/v1/inspections/${inspectionId}/heatmap`, { headers: camera });
    expect(heatmap).toMatchObject({ status: 404, body: { error: 'heatmap_not_found' } });
    const otherUpload = await api.call('POST', '/api/v1/inspections', {
      body: tile.bytes,
      headers: { 'x-api-key': other.cameraKey, 'content-type': 'image/jpeg' },
    });
    const notYours = await api.call('GET', `/api/v1/inspections/${otherUpload.body.id}/heatmap`, {
      headers: camera,
    });
    expect(notYours).toMatchObject({ status: 404, body: { error: 'inspection_not_found' } });
  });

  it.each(['image', 'thumbnail'])('serves the %s with nosniff and a sandboxing CSP', async (what) => {
    const result = await fetch(`${api.url}/api/v1/inspections/${inspectionId}/${what}`, {
      headers: { authorization: `Bearer ${api.adminToken}` },
    });
    expect(result.status).toBe(200);
    expect(result.headers.get('x-content-type-options')).toBe('nosniff');
    expect(result.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
  });

  it.each([
    ['a JSON answer', '/api/v1/lines'],
    ['an error', '/api/v1/inspections/not-a-uuid'],
    ['health', '/health/live'],
    ['an unknown route', '/nowhere'],
    ['the API docs', '/api/docs'],
  ])('puts security headers on %s', async (_what, route) => {
    const result = await fetch(`${api.url}${route}`, {
      headers: { authorization: `Bearer ${api.adminToken}` },
    });
    expect(result.headers.get('x-content-type-options')).toBe('nosniff');
    expect(result.headers.get('referrer-policy')).toBe('no-referrer');
    expect(result.headers.get('x-frame-options')).toBe('DENY');
    expect(result.headers.get('content-security-policy')).toMatch(
      /^default-src 'self';.*frame-ancestors 'none'/,
    );
  });
});
