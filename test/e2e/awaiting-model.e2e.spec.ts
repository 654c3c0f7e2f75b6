import { DatabaseTransactions } from '@linescope/db';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createUserWithToken } from '@linescope/accounts';
import { FsObjectStore } from '@linescope/storage';
import { type DataSource } from 'typeorm';
import { binary, promote, publishModel, tileImages, tinyModel } from '../inference/inference.fixtures';
import { createMigratedDatabase, type TestDatabase } from '../support/database';
import { freePort } from '../support/ports';
import { builtEntry, type Running, runNode, waitFor } from '../support/processes';

/**
 * A fresh installation, as a newcomer meets it: cameras upload before any model exists. The images are kept,
 * answered 202 `pending` with the reason, and scored once a model is promoted; nothing turns `failed`.
 */
describe('uploads before any model exists', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let dataDir: string;
  let adminToken: string;
  let api: string;
  const processes: Running[] = [];

  beforeAll(async () => {
    ({ db, dataSource } = await createMigratedDatabase());
    dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-awaiting-'));
    ({ token: adminToken } = await createUserWithToken(
      new DatabaseTransactions(dataSource),
      { email: 'admin@fresh', displayName: 'admin', role: 'admin' },
      null,
    ));
    const [apiPort, inferencePort] = [await freePort(), await freePort()];
    // No INFERENCE_URLS: the API finds the inference service at INFERENCE_PORT.
    const env = {
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      API_PORT: String(apiPort),
      INFERENCE_PORT: String(inferencePort),
      INFERENCE_WORKERS: '1',
      INFERENCE_MODEL_POLL_MS: '600000',
      TF_BACKEND: 'wasm',
      LOG_LEVEL: 'warn',
    };
    const inference = runNode(builtEntry('inference'), env);
    const apiProcess = runNode(builtEntry('api'), env);
    processes.push(inference, apiProcess);
    for (const [port, process] of [
      [inferencePort, inference],
      [apiPort, apiProcess],
    ] as const) {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok,
        60_000,
        `port ${port} ready`,
        process,
      );
    }
    api = `http://127.0.0.1:${apiPort}`;
  }, 120_000);

  afterAll(async () => {
    for (const process of processes) {
      process.child.kill('SIGTERM');
      await process.exited;
    }
    await dataSource.destroy();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const admin = async (route: string, json: unknown) => {
    const response = await fetch(`${api}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(json),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as Record<string, any>;
  };
  const cameraOn = async (verdictMode: 'sync' | 'async') => {
    const line = await admin('/api/v1/lines', {
      name: `line-${verdictMode}`,
      verdictMode,
      verdictDeadlineMs: 3000,
    });
    return (await admin(`/api/v1/lines/${line.id}/cameras`, { name: 'cam' })).apiKey as string;
  };
  const upload = async (key: string, image: Buffer, serial: string) => {
    const response = await fetch(`${api}/api/v1/inspections?serial=${serial}`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'image/jpeg' },
      body: image,
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const read = async (key: string, id: string) =>
    (await (
      await fetch(`${api}/api/v1/inspections/${id}`, { headers: { 'x-api-key': key } })
    ).json()) as Record<string, any>;

  it('answers 202 pending with the reason, keeps waiting, and scores the images once a model is promoted', async () => {
    const [syncImage, asyncImage] = tileImages('crack', 2);
    const syncKey = await cameraOn('sync');
    const asyncKey = await cameraOn('async');

    const synchronous = await upload(syncKey, syncImage, 'SN-SYNC');
    expect(synchronous.status).toBe(202);
    expect(synchronous.body).toMatchObject({
      status: 'pending',
      verdict: null,
      failureReason: 'no model is serving yet',
    });

    const asynchronous = await upload(asyncKey, asyncImage, 'SN-ASYNC');
    expect(asynchronous.status).toBe(202);
    // Its scoring job runs, finds no model, and leaves it pending with the reason (it used to turn `failed`).
    await waitFor(
      async () => (await read(asyncKey, asynchronous.body.id)).failureReason === 'no model is serving yet',
      20_000,
      'the async upload waits for a model',
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const [key, id] of [
      [syncKey, synchronous.body.id],
      [asyncKey, asynchronous.body.id],
    ])
      expect(await read(key, id)).toMatchObject({
        status: 'pending',
        failureReason: 'no model is serving yet',
      });

    const store = new FsObjectStore(path.join(dataDir, 'storage'));
    await store.init();
    const model = await publishModel(dataSource, store, await tinyModel({ fixedProbabilities: binary(0.8) }));
    await promote(dataSource, model.id, { notify: true });

    for (const [key, id] of [
      [syncKey, synchronous.body.id],
      [asyncKey, asynchronous.body.id],
    ]) {
      await waitFor(async () => (await read(key, id)).status === 'scored', 60_000, `inspection ${id} scored`);
      expect(await read(key, id)).toMatchObject({
        status: 'scored',
        verdict: 'defect',
        modelVersionId: model.id,
        failureReason: null,
      });
    }

    // With a model serving, an upload is answered with its verdict as usual.
    const after = await upload(syncKey, syncImage, 'SN-AFTER');
    expect(after.status).toBe(201);
    expect(after.body).toMatchObject({ status: 'scored', verdict: 'defect', failureReason: null });
  }, 150_000);
});
