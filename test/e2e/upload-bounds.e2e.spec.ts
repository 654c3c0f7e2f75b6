import { parseS3Endpoint } from '@linescope/config';
import { type RunningApp, startApp } from '@linescope/platform';
import { type BoundedObjectStore, S3ObjectStore } from '@linescope/storage';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { apiApp } from '../../apps/api/src/api.app';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { createMigratedDatabase } from '../support/database';
import { datasetImages } from '../support/datasets';
import { REPO_ROOT, type Running, waitFor } from '../support/processes';

const STORAGE_TIMEOUT_MS = 1_500;
const MAX_IMAGE_BYTES = 2 * 1024 * 1024;

/** s3rver in a process of its own, so it can be stopped (SIGSTOP) like a stalled server. */
async function startS3Process(
  directory: string,
  port = 0,
): Promise<{ endpoint: string; process: Running['child'] }> {
  const script = `
    const S3rver = require('s3rver');
    new S3rver({ address: '127.0.0.1', port: Number(process.env.S3_PORT), silent: true, directory: process.env.S3_DIR })
      .run().then((address) => process.stdout.write(address.port + '\\n'));`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, S3_DIR: directory, S3_PORT: String(port) },
  });
  const listening = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code})`)));
  });
  return { endpoint: `http://127.0.0.1:${listening}`, process: child };
}

describe('bounded waits on the upload path', () => {
  let s3Dir: string;
  let s3: Awaited<ReturnType<typeof startS3Process>>;
  let api: ApiHarness;
  let cameraKey: string;
  let objects: S3ObjectStore;
  const [tile] = datasetImages('magnetic-tile', 'ok', 1);

  const upload = (headers: Record<string, string> = {}) =>
    api.call('POST', '/api/v1/inspections?serial=SN-1', {
      body: tile.bytes,
      headers: { 'content-type': 'image/jpeg', 'x-api-key': cameraKey, ...headers },
    });
  const imageKeys = async () => {
    const keys: string[] = [];
    for await (const object of objects.list('images/')) keys.push(object.key);
    return keys;
  };
  const rows = async () => {
    const result: { n: number }[] = await api.running.infra.dataSource.query(
      'SELECT count(*)::int AS n FROM inspections',
    );
    return result[0].n;
  };

  beforeAll(async () => {
    s3Dir = await mkdtemp(path.join(tmpdir(), 'linescope-s3-process-'));
    s3 = await startS3Process(s3Dir);
    const credentials = { S3_ACCESS_KEY: 'S3RVER', S3_SECRET_KEY: 'S3RVER' };
    api = await startApiHarness({
      S3_ENDPOINT: s3.endpoint,
      ...credentials,
      STORAGE_TIMEOUT_MS: String(STORAGE_TIMEOUT_MS),
      MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES),
    });
    objects = new S3ObjectStore({
      endpoint: parseS3Endpoint(s3.endpoint),
      bucket: 'linescope',
      accessKey: 'S3RVER',
      secretKey: 'S3RVER',
    });
    const line = await api.call('POST', '/api/v1/lines', {
      token: api.adminToken,
      json: { name: 'bounds', verdictMode: 'async' },
    });
    const camera = await api.call('POST', `/api/v1/lines/${line.body.id}/cameras`, {
      token: api.adminToken,
      json: { name: 'cam-bounds', rateLimitPerSecond: 1000 },
    });
    cameraKey = camera.body.apiKey;
  }, 60_000);

  afterAll(async () => {
    s3?.process.kill('SIGCONT');
    s3?.process.kill('SIGKILL');
    await api?.stop();
    await rm(s3Dir, { recursive: true, force: true });
  });

  it('answers 503 storage_unavailable within the bound while the S3 server is stopped, leaving no row and no object', async () => {
    expect((await upload({ 'idempotency-key': 'healthy-1' })).status).toBe(202);
    expect(await imageKeys()).toHaveLength(1);
    expect(await rows()).toBe(1);

    s3.process.kill('SIGSTOP');
    const started = Date.now();
    const stalled = await upload({ 'idempotency-key': 'stalled-1' }).finally(() =>
      s3.process.kill('SIGCONT'),
    );
    const elapsed = Date.now() - started;
    // The documented bound: STORAGE_TIMEOUT_MS, plus a second per MiB of image.
    const bound = STORAGE_TIMEOUT_MS + Math.ceil(tile.bytes.length / (1024 * 1024)) * 1_000;
    expect(stalled.status).toBe(503);
    expect(stalled.body).toMatchObject({ statusCode: 503, error: 'storage_unavailable' });
    expect(elapsed).toBeGreaterThanOrEqual(STORAGE_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(bound + 1_000);
    expect(await rows()).toBe(1);

    // Whatever the stalled server stores once it wakes up is removed.
    await (api.running.infra.store as BoundedObjectStore).settled();
    expect(await imageKeys()).toHaveLength(1);
    expect(await rows()).toBe(1);

    // And the retry the camera makes now succeeds.
    expect((await upload({ 'idempotency-key': 'stalled-1' })).status).toBe(202);
    expect(await imageKeys()).toHaveLength(2);
  }, 60_000);

  it('answers 503 at once while the S3 server is dead (SIGKILL), and stores again once it is back', async () => {
    const rowsBefore = await rows();
    const keysBefore = await imageKeys();
    s3.process.kill('SIGKILL');
    await new Promise((resolve) => s3.process.once('exit', resolve));
    const started = Date.now();
    const refused = await upload({ 'idempotency-key': 'dead-1' });
    expect(Date.now() - started).toBeLessThan(STORAGE_TIMEOUT_MS);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ statusCode: 503, error: 'storage_unavailable' });
    expect(await rows()).toBe(rowsBefore);

    s3 = await startS3Process(s3Dir, Number(new URL(s3.endpoint).port));
    expect(await imageKeys()).toEqual(keysBefore);
    expect((await upload({ 'idempotency-key': 'dead-1' })).status).toBe(202);
    expect(await rows()).toBe(rowsBefore + 1);
    expect(await imageKeys()).toHaveLength(keysBefore.length + 1);
  }, 60_000);

  it('refuses a multipart upload declaring 1 GB with 413 at once, without reading the body', async () => {
    const url = new URL(`${api.url}/api/v1/inspections?serial=SN-2`);
    const started = Date.now();
    const { status, body, connection } = await new Promise<{
      status: number;
      body: string;
      connection?: string;
    }>((resolve, reject) => {
      const request = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method: 'POST',
          headers: {
            'content-type': 'multipart/form-data; boundary=linescope-boundary',
            'content-length': String(1024 * 1024 * 1024),
            'x-api-key': cameraKey,
          },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk: Buffer) => (text += chunk.toString()));
          response.on('end', () => {
            request.destroy();
            resolve({
              status: response.statusCode ?? 0,
              body: text,
              connection: response.headers.connection,
            });
          });
        },
      );
      request.on('error', reject);
      request.write(
        `--linescope-boundary\r\ncontent-disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n`,
      );
      request.write(Buffer.alloc(64 * 1024));
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ statusCode: 413, error: 'image_too_large' });
    expect(connection).toBe('close');
  }, 30_000);
});

describe("the filesystem store's .tmp/ folder", () => {
  it('is swept of files older than an hour when an app starts', async () => {
    const { db, dataSource } = await createMigratedDatabase();
    await dataSource.destroy();
    const dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-tmp-sweep-'));
    const tmp = path.join(dataDir, 'storage', '.tmp');
    await mkdir(tmp, { recursive: true });
    await writeFile(path.join(tmp, 'left-by-a-crash'), 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(path.join(tmp, 'left-by-a-crash'), twoHoursAgo, twoHoursAgo);
    await writeFile(path.join(tmp, 'being-written'), 'y');
    let running: RunningApp | undefined;
    try {
      running = await startApp(apiApp, {
        DATABASE_URL: db.url,
        DATA_DIR: dataDir,
        API_PORT: '0',
        LOG_LEVEL: 'silent',
      });
      await waitFor(
        async () => !(await readdir(tmp)).includes('left-by-a-crash'),
        5_000,
        'the old file swept',
      );
      expect(await readdir(tmp)).toEqual(['being-written']);
    } finally {
      await running?.shutdown('test over');
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
