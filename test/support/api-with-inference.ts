import { createUserWithToken } from '@linescope/accounts';
import { DatabaseTransactions } from '@linescope/db';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DataSource } from 'typeorm';
import { createMigratedDatabase, type TestDatabase } from './database';
import { freePort } from './ports';
import { builtEntry, type Running, runNode, waitFor } from './processes';

export interface ApiWithInference {
  db: TestDatabase;
  dataSource: DataSource;
  dataDir: string;
  adminToken: string;
  /** The API's base URL. */
  api: string;
  /** POSTs JSON as the administrator and expects 201. */
  admin(route: string, json: unknown): Promise<Record<string, any>>;
}

/**
 * The built API and inference service on a database of the file's own (one inference worker on wasm, model changes
 * polled rarely), started before the file's tests and stopped after them. Fields are set once `beforeAll` has run.
 */
export function useApiWithInference(dataDirPrefix: string): ApiWithInference {
  const processes: Running[] = [];
  const product = {} as ApiWithInference;
  beforeAll(async () => {
    const { db, dataSource } = await createMigratedDatabase();
    const dataDir = await mkdtemp(path.join(tmpdir(), dataDirPrefix));
    const { token: adminToken } = await createUserWithToken(
      new DatabaseTransactions(dataSource),
      { email: 'admin@fresh', displayName: 'admin', role: 'admin' },
      null,
    );
    Object.assign(product, { db, dataSource, dataDir, adminToken });
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
    product.api = `http://127.0.0.1:${apiPort}`;
  }, 120_000);

  afterAll(async () => {
    for (const process of processes) {
      process.child.kill('SIGTERM');
      await process.exited;
    }
    await product.dataSource?.destroy();
    await product.db?.drop();
    if (product.dataDir) await rm(product.dataDir, { recursive: true, force: true });
  });

  product.admin = async (route, json) => {
    const response = await fetch(`${product.api}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${product.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(json),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as Record<string, any>;
  };
  return product;
}
