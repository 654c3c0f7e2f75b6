import { DatabaseTransactions } from '@linescope/db';
import { createUserWithToken } from '@linescope/accounts';
import { FsObjectStore } from '@linescope/storage';
import { evaluationRecord, evaluationSummary, type TrainResult, train } from '@linescope/training/engine';
import { initBackend } from '@linescope/vision/backend';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { type DataSource } from 'typeorm';
import { publishModel, TINY_INPUT } from '../../inference/inference.fixtures';
import { createMigratedDatabase, type TestDatabase } from '../../support/database';
import { DATASETS, datasetImages } from '../../support/datasets';
import { freePort } from '../../support/ports';
import { builtEntry, runNode, type Running, waitFor } from '../../support/processes';

export const DEFECT_TYPES = ['crack', 'blowhole', 'fray'];

export interface Person {
  email: string;
  password: string;
  token: string;
  id: string;
}

export interface Product {
  url: string;
  db: TestDatabase;
  sql: Client;
  adminToken: string;
  lineId: string;
  lineName: string;
  cameraKey: string;
  modelVersionId: string;
  /** With `{ candidate: true }`: a second real version, a candidate trained with another config. */
  candidateVersionId: string | null;
  /** The trainer process (its CPU time is read from /proc). */
  trainerPid: number;
  /** A writable training root beside the shared datasets (model folders to import go here). */
  runsRoot: string;
  people: { admin: Person; qa1: Person; qa2: Person; engineer: Person };
  /** Posts a real magnetic-tile image through the camera API, as a camera does. */
  upload(serial: string, imageIndex: number): Promise<{ status: number; body: any }>;
  /** A JSON call with a bearer token. */
  call(method: string, route: string, token: string, json?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

const IMAGES = [
  ...datasetImages('magnetic-tile', 'crack', 8),
  ...datasetImages('magnetic-tile', 'ok', 8),
  ...datasetImages('magnetic-tile', 'blowhole', 8),
].map((image) => image.bytes);

async function ready(url: string, process: Running, what: string): Promise<void> {
  await waitFor(async () => (await fetch(`${url}/health/ready`)).ok, 60_000, `${what} ready`, process);
}

/**
 * The built product as an operator runs it: API, inference and trainer as separate processes on a fresh
 * PostgreSQL database and a filesystem store, a real tiny ResNet trained on magnetic-tile serving in production, a line with a camera,
 * and four people with passwords (set the way the first administrator sets one: with their bearer token).
 */
/** What the trainer writes beside a version it registers: the evaluation, metrics, config and the job's epochs. */
async function recordTraining(
  dataSource: DataSource,
  versionId: string,
  trained: TrainResult,
): Promise<void> {
  const [job] = await dataSource.query(
    `INSERT INTO training_jobs (status, config, progress, started_at, finished_at)
     VALUES ('succeeded', $1, $2, now(), now()) RETURNING id`,
    [
      { dataset: { kind: 'folder', path: 'magnetic-tile' }, training: trained.config },
      { phase: 'done', epoch: trained.history.length, epochs: trained.config.epochs },
    ],
  );
  for (const { epoch, steps: _steps, ...metrics } of trained.history)
    await dataSource.query(
      `INSERT INTO training_epochs (training_job_id, epoch, metrics) VALUES ($1, $2, $3)`,
      [job.id, epoch, metrics],
    );
  await dataSource.query(
    `UPDATE model_versions SET training_job_id = $2, config = $3, evaluation = $4,
            metrics = $5 || jsonb_build_object('bestEpoch', $6::int, 'epochsTrained', $7::int)
      WHERE id = $1`,
    [
      versionId,
      job.id,
      trained.config,
      evaluationRecord(trained.evaluation, trained.classNames),
      evaluationSummary(trained.evaluation),
      trained.bestEpoch,
      trained.history.length,
    ],
  );
}

function tinyTraining(epochs: number, seed: number, extra: Record<string, unknown> = {}) {
  return {
    data: {
      source: { kind: 'folder', path: path.join(DATASETS, 'magnetic-tile') },
      task: 'ok-vs-defect',
      limitPerClass: 16,
    },
    model: { arch: 'resnet', depth: 10, width: 8, inputSize: TINY_INPUT },
    epochs,
    batchSize: 16,
    seed,
    checklist: { initialLoss: { enabled: false }, overfit: { enabled: false }, lrRange: { enabled: false } },
    ...extra,
  };
}

export async function startProduct(options: { candidate?: boolean } = {}): Promise<Product> {
  const { db, dataSource } = await createMigratedDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-ui-'));
  await chmod(dataDir, 0o755);
  const store = new FsObjectStore(path.join(dataDir, 'storage'));
  await store.init();
  // A real model, trained here in seconds on real tiles. Its band covers every score, so each upload is flagged
  // "uncertain" for QA whatever the tiny model answers (the tests need flagged items, not a good model).
  await initBackend({ preferred: 'wasm', logger: () => undefined });
  const trained = await train(tinyTraining(2, 5));
  const version = await publishModel(dataSource, store, trained.model, {
    name: 'tiles-tiny',
    stage: 'production',
    classNames: trained.classNames,
    rowThresholds: { operatingThreshold: 0.5, uncertainLow: 0, uncertainHigh: 1 },
  });
  trained.model.dispose();
  let candidateVersionId: string | null = null;
  if (options.candidate) {
    await recordTraining(dataSource, version.id, trained);
    const second = await train(tinyTraining(3, 9, { optimizer: { kind: 'sgd', momentum: 0.9 } }));
    const candidate = await publishModel(dataSource, store, second.model, {
      name: 'tiles-tiny',
      stage: 'candidate',
      classNames: second.classNames,
      rowThresholds: { operatingThreshold: 0.5, uncertainLow: 0, uncertainHigh: 1 },
    });
    second.model.dispose();
    await recordTraining(dataSource, candidate.id, second);
    candidateVersionId = candidate.id;
  }
  const admin = await createUserWithToken(
    new DatabaseTransactions(dataSource),
    { email: 'admin@example.com', displayName: 'Ada Admin', role: 'admin' },
    null,
  );
  await dataSource.destroy();

  const [apiPort, inferencePort, trainerPort] = [await freePort(), await freePort(), await freePort()];
  const runsRoot = path.join(dataDir, 'runs');
  await mkdir(runsRoot);
  // The API confines paths to the roots and the trainer checks them again: both are given the same roots.
  const common = {
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    TF_BACKEND: 'wasm',
    TRAINING_DATA_ROOTS: `${DATASETS},${runsRoot}`,
  };
  const processes: Running[] = [];
  const start = (app: string, env: Record<string, string>) => {
    const running = runNode(builtEntry(app), { ...common, ...env });
    processes.push(running);
    return running;
  };
  const stopAll = async () => {
    for (const running of processes.reverse()) {
      if (running.child.exitCode === null) running.child.kill('SIGTERM');
      await running.exited;
    }
  };
  try {
    const inference = start('inference', { INFERENCE_PORT: String(inferencePort), INFERENCE_WORKERS: '1' });
    const trainer = start('trainer', { TRAINER_PORT: String(trainerPort) });
    const api = start('api', {
      API_PORT: String(apiPort),
      INFERENCE_URLS: `http://127.0.0.1:${inferencePort}`,
    });
    const url = `http://127.0.0.1:${apiPort}`;
    await ready(`http://127.0.0.1:${inferencePort}`, inference, 'inference');
    await ready(`http://127.0.0.1:${trainerPort}`, trainer, 'trainer');
    await ready(url, api, 'api');

    const call = async (method: string, route: string, token: string, json?: unknown) => {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    };
    const expectOk = async (result: Promise<{ status: number; body: any }>, what: string) => {
      const { status, body } = await result;
      if (status >= 300) throw new Error(`${what}: ${status} ${JSON.stringify(body)}`);
      return body;
    };

    const line = await expectOk(
      call('POST', '/api/v1/lines', admin.token, {
        name: 'tiles-1',
        verdictMode: 'sync',
        verdictDeadlineMs: 5000,
        defectTypes: DEFECT_TYPES,
      }),
      'create line',
    );
    const camera = await expectOk(
      call('POST', `/api/v1/lines/${line.id}/cameras`, admin.token, { name: 'cam-top' }),
      'create camera',
    );
    const person = async (email: string, displayName: string, role: string | null, token?: string) => {
      const password = `${email.split('@')[0]}-password-1`;
      let bearer = token;
      let id = admin.user.id;
      if (!bearer) {
        const created = await expectOk(
          call('POST', '/api/v1/users', admin.token, { email, displayName, role }),
          `create ${email}`,
        );
        bearer = created.token as string;
        id = created.user?.id ?? created.id;
      }
      await expectOk(call('POST', '/api/v1/auth/password', bearer, { newPassword: password }), 'password');
      return { email, password, token: bearer, id };
    };
    const people = {
      admin: await person('admin@example.com', 'Ada Admin', null, admin.token),
      qa1: await person('qa1@example.com', 'Quinn QA', 'qa'),
      qa2: await person('qa2@example.com', 'Robin QA', 'qa'),
      engineer: await person('ml@example.com', 'Morgan ML', 'ml_engineer'),
    };

    const sql = new Client({ connectionString: db.url });
    await sql.connect();
    let uploads = 0;
    return {
      url,
      db,
      sql,
      adminToken: admin.token,
      lineId: line.id,
      lineName: line.name,
      cameraKey: camera.apiKey,
      modelVersionId: version.id,
      candidateVersionId,
      trainerPid: trainer.child.pid!,
      runsRoot,
      people,
      call,
      upload: async (serial, imageIndex) => {
        const response = await fetch(`${url}/api/v1/inspections?serial=${encodeURIComponent(serial)}`, {
          method: 'POST',
          headers: {
            'x-api-key': camera.apiKey,
            'content-type': 'image/jpeg',
            'idempotency-key': `ui-${serial}-${++uploads}`,
          },
          body: IMAGES[imageIndex % IMAGES.length],
        });
        return { status: response.status, body: await response.json() };
      },
      stop: async () => {
        await sql.end();
        await stopAll();
        await db.drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    const logs = processes.map((p) => p.output().stderr.slice(-2000)).join('\n');
    await stopAll();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
    throw new Error(`${(error as Error).message}\n${logs}`, { cause: error });
  }
}
