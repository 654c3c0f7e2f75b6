import { DatabaseTransactions } from '@linescope/db';
import { createUserWithToken } from '@linescope/accounts';
import { FsObjectStore } from '@linescope/storage';
import { train } from '@linescope/training/engine';
import { modelVersionPrefix, saveModelArtifact } from '@linescope/vision/artifacts';
import { initBackend } from '@linescope/vision/backend';
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { simulateCamera } from '../../apps/camera-simulator/src/camera-simulator';
import { createMigratedDatabase, type TestDatabase } from '../support/database';
import { DATASETS } from '../support/datasets';
import { freePort } from '../support/ports';
import { builtEntry, runNode, type Running, waitFor } from '../support/processes';

/**
 * A line end to end: a model trained here on real magnetic-tile images is put in production; the API and the
 * inference service run as the real processes; the camera simulator streams the dataset folder through them.
 */
describe('a production line, end to end', () => {
  let db: TestDatabase;
  let dataDir: string;
  const processes: Running[] = [];
  let modelId: string;
  let adminToken: string;

  beforeAll(async () => {
    let dataSource;
    ({ db, dataSource } = await createMigratedDatabase());
    dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-line-'));
    await chmod(dataDir, 0o755);
    await initBackend({ preferred: 'wasm', logger: () => undefined });
    const result = await train({
      data: {
        source: { kind: 'folder', path: path.join(DATASETS, 'magnetic-tile') },
        task: 'ok-vs-defect',
        limitPerClass: 24,
      },
      model: { arch: 'resnet', depth: 10, width: 8, inputSize: 32 },
      epochs: 4,
      batchSize: 16,
      seed: 3,
      checklist: {
        initialLoss: { enabled: false },
        overfit: { enabled: false },
        lrRange: { enabled: false },
      },
    });
    const store = new FsObjectStore(path.join(dataDir, 'storage'));
    await store.init();
    modelId = randomUUID();
    await saveModelArtifact(store, modelVersionPrefix(modelId), result.model, result.manifest);
    await dataSource.query(
      `INSERT INTO model_versions (id, name, version, architecture, spec, input_height, input_width, class_names,
         preprocessing, artifact_key, stage, operating_threshold, uncertain_low, uncertain_high)
       VALUES ($1, 'tiles', 1, 'resnet', '{}', 32, 32, $2, $3, $4, 'production', $5, $6, $7)`,
      [
        modelId,
        JSON.stringify(result.classNames),
        JSON.stringify(result.preprocessing),
        modelVersionPrefix(modelId),
        result.manifest.operatingPoint.threshold,
        result.manifest.operatingPoint.uncertainBand.low,
        result.manifest.operatingPoint.uncertainBand.high,
      ],
    );
    result.model.dispose();
    ({ token: adminToken } = await createUserWithToken(
      new DatabaseTransactions(dataSource),
      { email: 'admin@line', displayName: 'admin', role: 'admin' },
      null,
    ));
    await dataSource.destroy();
  }, 120_000);

  afterAll(async () => {
    for (const process of processes) {
      process.child.kill('SIGTERM');
      await process.exited;
    }
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers a camera streaming the magnetic-tile folder with scored verdicts, and keeps them', async () => {
    const [apiPort, inferencePort] = [await freePort(), await freePort()];
    const env = {
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      API_PORT: String(apiPort),
      INFERENCE_PORT: String(inferencePort),
      INFERENCE_URLS: `http://127.0.0.1:${inferencePort}`,
      INFERENCE_WORKERS: '1',
      LOG_LEVEL: 'warn',
    };
    const inference = runNode(builtEntry('inference'), env);
    const api = runNode(builtEntry('api'), env);
    processes.push(inference, api);
    for (const [port, process] of [
      [inferencePort, inference],
      [apiPort, api],
    ] as const) {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok,
        60_000,
        `port ${port} ready`,
        process,
      );
    }

    const base = `http://127.0.0.1:${apiPort}`;
    const call = async (route: string, json: unknown) => {
      const response = await fetch(`${base}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(json),
      });
      expect(response.status).toBe(201);
      return (await response.json()) as Record<string, any>;
    };
    const line = await call('/api/v1/lines', {
      name: 'tiles-line',
      verdictMode: 'sync',
      verdictDeadlineMs: 3000,
    });
    const camera = await call(`/api/v1/lines/${line.id}/cameras`, { name: 'cam-1', rateLimitPerSecond: 100 });

    const { summary, outcomes } = await simulateCamera({
      api: base,
      key: camera.apiKey,
      folder: path.join(DATASETS, 'magnetic-tile'),
      rate: 10,
      limit: 40,
      okClasses: ['ok'],
      settleSeconds: 30,
      seed: 5,
    });
    expect(summary).toMatchObject({ sent: 40, accepted: 40, rejected: 0, scored: 40 });
    expect(summary.verdicts.ok + summary.verdicts.defect + summary.verdicts.uncertain).toBe(40);
    expect(summary.accuracy).not.toBeNull();
    expect(new Set(outcomes.map((o) => o.className)).size).toBeGreaterThan(2);
    expect(summary.latency.p50).toBeGreaterThan(0);

    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query(
        `SELECT status, model_version_id, latency FROM inspections WHERE line_id = $1`,
        [line.id],
      );
      expect(rows.rows).toHaveLength(40);
      for (const row of rows.rows) {
        expect(row).toMatchObject({ status: 'scored', model_version_id: modelId });
        expect(row.latency).toMatchObject({
          engine: expect.any(String),
          forwardMs: expect.any(Number),
          storeMs: expect.any(Number),
        });
      }
    } finally {
      await client.end();
    }
  }, 180_000);
});
