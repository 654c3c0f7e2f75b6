import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InspectionEntity, ProductionLineEntity, CameraEntity } from '@linescope/db';
import { type RunningApp, startApp } from '@linescope/platform';
import { apiApp } from '../../apps/api/src/api.app';
import { OrphanSweepService } from '../../apps/api/src/services/orphan-sweep.service';
import { createMigratedDatabase, type TestDatabase } from '../support/database';

/** The API app in-process against a real PostgreSQL and a real filesystem store. */
describe('api app platform', () => {
  let db: TestDatabase;
  let dataDir: string;
  let running: RunningApp;

  beforeAll(async () => {
    ({ db } = await createMigratedDatabase());
    dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-api-'));
    running = await startApp(apiApp, {
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      API_PORT: '0',
      LOG_LEVEL: 'silent',
    });
  });
  afterAll(async () => {
    await running.shutdown('test finished');
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers liveness and readiness', async () => {
    expect(await (await fetch(`${running.url}/health/live`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${running.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { database: { status: 'up' }, storage: { status: 'up' }, queue: { status: 'up' } },
    });
  });

  it('serves OpenAPI and Prometheus metrics', async () => {
    const spec = (await (await fetch(`${running.url}/api/docs.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    expect((await fetch(`${running.url}/api/docs`)).status).toBe(200);
    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toMatch(
      /linescope_http_request_duration_seconds_count\{app="api",method="GET",route="\/health\/live",status="200"\} \d+/,
    );
    expect(metrics).toContain('linescope_process_cpu_seconds_total');
  });

  it('sweeps stored images that no inspection references, and keeps the referenced ones', async () => {
    const store = running.infra.store;
    const ds = running.infra.dataSource;
    const line = await ds.getRepository(ProductionLineEntity).save({ name: `line-${randomUUID()}` });
    const camera = await ds.getRepository(CameraEntity).save({ lineId: line.id, name: 'cam' });
    const kept = `images/${randomUUID()}.jpg`;
    const orphan = `images/${randomUUID()}.jpg`;
    const unrelated = `models/${randomUUID()}/model.json`;
    for (const key of [kept, orphan, unrelated]) await store.put(key, Buffer.from('bytes'));
    await ds.getRepository(InspectionEntity).save({
      lineId: line.id,
      cameraId: camera.id,
      imageKey: kept,
      imageSha256: 'a'.repeat(64),
      imageBytes: 5,
      width: 1,
      height: 1,
      format: 'jpeg',
    });
    const sweeper = running.app.get(OrphanSweepService);
    expect((await sweeper.sweep(3600)).deleted).toEqual([]); // too young: may still be an upload in flight
    const report = await sweeper.sweep(0, new Date(Date.now() + 1000));
    expect(report.deleted).toEqual([orphan]);
    expect(await store.exists(kept)).toBe(true);
    expect(await store.exists(orphan)).toBe(false);
    expect(await store.exists(unrelated)).toBe(true);
  });

  it('reports not ready, naming the failing dependency, when storage disappears', async () => {
    await rm(path.join(dataDir, 'storage'), { recursive: true, force: true });
    const ready = await fetch(`${running.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'unavailable',
      checks: {
        database: { status: 'up' },
        storage: { status: 'down', error: expect.stringContaining('ENOENT') },
      },
    });
    await running.infra.store.init();
    expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
  });
});
