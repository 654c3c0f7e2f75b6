import { DatabaseTransactions } from '@linescope/db';
import { createUserWithToken } from '@linescope/accounts';
import { type RunningApp, startApp } from '@linescope/platform';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { apiApp } from '../../apps/api/src/api.app';
import { createMigratedDatabase, type TestDatabase } from './database';

export interface ApiHarness {
  running: RunningApp;
  db: TestDatabase;
  url: string;
  adminToken: string;
  /** fetch against the API with JSON helpers. */
  call(method: string, route: string, options?: CallOptions): Promise<CallResult>;
  stop(): Promise<void>;
}

export interface CallOptions {
  token?: string;
  json?: unknown;
  body?: Buffer | FormData;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: any;
}

/** The API app in-process on a fresh migrated database, with a first admin and its token. */
export async function startApiHarness(env: Record<string, string> = {}): Promise<ApiHarness> {
  const { db, dataSource } = await createMigratedDatabase();
  const { token: adminToken } = await createUserWithToken(
    new DatabaseTransactions(dataSource),
    { email: 'admin@example.com', displayName: 'Admin', role: 'admin' },
    null,
  );
  await dataSource.destroy();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-api-'));
  const running = await startApp(apiApp, {
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    API_PORT: '0',
    LOG_LEVEL: 'silent',
    INFERENCE_URLS: 'http://127.0.0.1:9',
    ...env,
  });
  const call = async (method: string, route: string, options: CallOptions = {}): Promise<CallResult> => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: RequestInit['body'];
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body) {
      body = options.body;
    }
    const response = await fetch(`${running.url}${route}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
  return {
    running,
    db,
    url: running.url,
    adminToken,
    call,
    stop: async () => {
      await running.shutdown('test finished');
      await db.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
