import { type RunningApp, startApp } from '@linescope/platform';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { apiApp } from '../../apps/api/src/api.app';
import { createEmptyDatabase, type TestDatabase } from '../support/database';
import { type Finished, REPO_ROOT } from '../support/processes';

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Finished> {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

const createAdmin = (env: NodeJS.ProcessEnv, ...args: string[]) =>
  run(
    process.execPath,
    [path.join(REPO_ROOT, 'dist', 'libs', 'accounts', 'src', 'cli', 'create-admin.js'), ...args],
    env,
  );

async function users(url: string): Promise<{ email: string; role: string }[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const exists = await client.query(`SELECT to_regclass('public.users') AS t`);
    if (!(exists.rows[0] as { t: string | null }).t) return [];
    return (await client.query('SELECT email, role FROM users ORDER BY email')).rows as {
      email: string;
      role: string;
    }[];
  } finally {
    await client.end();
  }
}

/** The first-admin path of a compose or Kubernetes installation: only DATABASE_URL, a fresh (unmigrated) database. */
describe('npm run create-admin', () => {
  let db: TestDatabase;
  let dataDir: string;
  let api: RunningApp | undefined;
  beforeAll(async () => {
    db = await createEmptyDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-create-admin-'));
  });
  afterAll(async () => {
    await api?.shutdown('test over');
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates an admin on a fresh database and prints a working bearer token once', async () => {
    const finished = await run(
      'npm',
      ['run', '--silent', 'create-admin', '--', '--email', 'Ops@Example.com', '--role', 'admin'],
      {
        DATABASE_URL: db.url,
        DATA_DIR: dataDir,
      },
    );
    expect(finished.code).toBe(0);
    expect(finished.stdout).toMatch(/^lsu_\S+\n$/);
    expect(finished.stderr).toMatch(
      /^created admin ops@example\.com \([0-9a-f-]{36}\); the bearer token below is shown once:\n$/,
    );
    expect(await users(db.url)).toEqual([{ email: 'ops@example.com', role: 'admin' }]);

    api = await startApp(apiApp, {
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      API_PORT: '0',
      LOG_LEVEL: 'silent',
    });
    const created = await fetch(`${api.url}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${finished.stdout.trim()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'qa@example.com', displayName: 'QA', role: 'qa' }),
    });
    expect(created.status).toBe(201);
  }, 60_000);

  it('refuses an e-mail that exists, and bad arguments, with one line and nothing written', async () => {
    const before = await users(db.url);
    const duplicate = await createAdmin(
      { DATABASE_URL: db.url, DATA_DIR: dataDir },
      '--email',
      'ops@example.com',
    );
    expect(duplicate.code).toBe(1);
    expect(duplicate.stdout).toBe('');
    expect(duplicate.stderr).toBe('create-admin: a user with e-mail ops@example.com already exists\n');

    const badRole = await createAdmin(
      { DATABASE_URL: db.url, DATA_DIR: dataDir },
      '--email',
      'x@example.com',
      '--role',
      'root',
    );
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(
      /^create-admin: --role must be one of qa, ml_engineer, admin; usage: .+\n$/,
    );

    const noEmail = await createAdmin({ DATABASE_URL: db.url, DATA_DIR: dataDir }, '--role', 'qa');
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toMatch(/^create-admin: --email must be an e-mail address/);

    const unreachable = await createAdmin(
      { DATABASE_URL: 'postgresql://u:secret@127.0.0.1:1/x', DATA_DIR: dataDir },
      '--email',
      'y@example.com',
    );
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe(
      'create-admin: cannot reach PostgreSQL at postgresql://u:***@127.0.0.1:1/x: connection refused\n',
    );
    expect(await users(db.url)).toEqual(before);
  }, 60_000);

  it('creates people of other roles too', async () => {
    const finished = await createAdmin(
      { DATABASE_URL: db.url, DATA_DIR: dataDir },
      '--email',
      'ml@example.com',
      '--role',
      'ml_engineer',
      '--name',
      'ML lead',
    );
    expect(finished.code).toBe(0);
    expect(finished.stdout).toMatch(/^lsu_\S+\n$/);
    expect(await users(db.url)).toContainEqual({ email: 'ml@example.com', role: 'ml_engineer' });
  }, 30_000);
});
