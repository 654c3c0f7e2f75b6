import { createUserWithToken } from '@linescope/accounts';
import { createDataSource, migrateUp, DatabaseTransactions } from '@linescope/db';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/** The repository root, from dist/bench/support or bench/support. */
export const REPO_ROOT = path.resolve(
  __dirname,
  __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..',
);
export const DATASETS = path.resolve(REPO_ROOT, '..', 'shared', 'datasets');
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  url: string;
  adminToken: string;
  drop(): Promise<void>;
}

/** A fresh migrated database on the machine's PostgreSQL, with an admin token. */
export async function benchDatabase(): Promise<BenchDatabase> {
  const name = `linescope_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dataSource = createDataSource({ url: url.toString(), poolSize: 2 });
  await dataSource.initialize();
  await migrateUp(dataSource);
  const { token } = await createUserWithToken(
    new DatabaseTransactions(dataSource),
    { email: 'bench@localhost', displayName: 'bench', role: 'admin' },
    null,
  );
  await dataSource.destroy();
  return {
    url: url.toString(),
    adminToken: token,
    drop: async () => {
      const client = new Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts a built app (`dist/apps/<app>/src/main.js`) and waits for its readiness probe. */
export async function startApp(
  app: string,
  env: Record<string, string>,
  port: number,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return child;
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`${app} was not ready within 60 s`);
}

export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Real JPEGs from the magnetic-tile dataset, every class, sorted. */
export async function tileImages(count: number): Promise<Buffer[]> {
  const root = path.join(DATASETS, 'magnetic-tile');
  const files: string[] = [];
  for (const dir of (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()))
    for (const name of (await readdir(path.join(root, dir.name))).sort())
      if (name.endsWith('.jpg')) files.push(path.join(root, dir.name, name));
  const step = Math.max(1, Math.floor(files.length / count));
  return Promise.all(
    files
      .filter((_, i) => i % step === 0)
      .slice(0, count)
      .map((f) => readFile(f)),
  );
}

export async function api<T>(
  base: string,
  token: string,
  method: string,
  route: string,
  json?: unknown,
): Promise<T> {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(json ? { 'content-type': 'application/json' } : {}) },
    body: json ? JSON.stringify(json) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
