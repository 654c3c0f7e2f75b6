import { EmbeddedCluster, readInstallationDatabase } from '@linescope/db';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createEmptyDatabase } from '../support/database';
import { freePort } from '../support/ports';
import { builtEntry, type Running, runNode, waitFor } from '../support/processes';

interface Readiness {
  status: string;
  checks: Record<string, { status: string; error?: string }>;
}

async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

/** What a foreign app would have left in a cluster: our tables, the queue's schema, its sessions. */
async function traces(url: string): Promise<{ tables: string[]; schemas: string[]; sessions: string[] }> {
  const tables = await query<{ name: string }>(
    url,
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
  );
  const schemas = await query<{ name: string }>(
    url,
    `SELECT nspname AS name FROM pg_namespace WHERE nspname = 'pgboss'`,
  );
  const sessions = await query<{ name: string }>(
    url,
    `SELECT application_name AS name FROM pg_stat_activity WHERE application_name LIKE 'linescope-%'`,
  );
  return {
    tables: tables.map((r) => r.name),
    schemas: schemas.map((r) => r.name),
    sessions: sessions.map((r) => r.name),
  };
}

/**
 * Two installations on one box, each with its embedded cluster (the launcher's, run here from the library) and
 * A's API as a real process: A's apps never touch B's data, whatever answers on A's port.
 */
describe("an installation's embedded database is only its own", () => {
  const folders: string[] = [];
  const clusters: EmbeddedCluster[] = [];
  let a: EmbeddedCluster;
  let api: Running;
  let apiPort: number;

  const folder = async (name: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), `linescope-${name}-`));
    folders.push(dir);
    return dir;
  };
  const open = async (dataDir: string, preferredPort: number) => {
    const cluster = await EmbeddedCluster.open({ dataDir, preferredPort });
    clusters.push(cluster);
    return cluster;
  };
  const readiness = async (): Promise<{ status: number; body: Readiness }> => {
    const response = await fetch(`http://127.0.0.1:${apiPort}/health/ready`);
    return { status: response.status, body: (await response.json()) as Readiness };
  };
  const notReadyBecause = async (reason: RegExp): Promise<string> => {
    let error = '';
    await waitFor(
      async () => {
        const { status, body } = await readiness();
        error = body.checks.database?.error ?? '';
        return status === 503 && reason.test(error);
      },
      30_000,
      `A not ready because ${reason}`,
      api,
    );
    return error;
  };

  beforeAll(async () => {
    a = await open(await folder('install-a'), await freePort());
    await a.start();
    apiPort = await freePort();
    api = runNode(builtEntry('api'), {
      DATA_DIR: folders[0],
      DATABASE_URL: a.url,
      DATABASE_SYSTEM_ID: a.systemIdentifier,
      API_PORT: String(apiPort),
      LOG_LEVEL: 'error',
    });
    await waitFor(async () => (await readiness()).status === 200, 60_000, "A's API ready", api);
  }, 90_000);

  afterAll(async () => {
    api?.child.kill('SIGKILL');
    for (const cluster of clusters) {
      await cluster.stop().catch(() => undefined);
      // As root, a folder the postgres user cannot enter has its cluster under /var/lib/linescope.
      if (!folders.some((dir) => cluster.clusterDir.startsWith(dir)))
        await rm(path.dirname(cluster.clusterDir), { recursive: true, force: true });
    }
    for (const dir of folders) await rm(dir, { recursive: true, force: true });
  });

  it("A's API cannot reach B's cluster on A's port, says why, and recovers when A's database is back", async () => {
    await a.stop();
    const b = await open(await folder('install-b'), a.port);
    await b.start();
    expect(b.port).toBe(a.port);
    const bAdmin = b.url.replace(/\/linescope$/, '/postgres');
    await query(b.url, 'CREATE TABLE b_marker (id int); INSERT INTO b_marker VALUES (42)');

    const reason = await notReadyBecause(/refused the credentials|password authentication failed/);
    expect(reason).not.toContain('\n');
    expect(await traces(b.url)).toEqual({ tables: ['b_marker'], schemas: [], sessions: [] });
    expect(await query(b.url, 'SELECT id FROM b_marker')).toEqual([{ id: 42 }]);
    expect((await query<{ n: string }>(bAdmin, 'SELECT count(*)::text AS n FROM pg_database')).at(0)?.n).toBe(
      '4',
    );

    await b.stop();
    await a.start();
    expect(a.port).toBe(b.port);
    await waitFor(async () => (await readiness()).status === 200, 45_000, "A's API ready again", api);
  }, 120_000);

  it('refuses a cluster that accepts the same login but is another cluster (system identifier)', async () => {
    const cFolder = await folder('install-c');
    const c = await open(cFolder, await freePort());
    await c.start();
    const aState = (await readInstallationDatabase(folders[0]))!;
    await query(
      c.url.replace(/\/linescope$/, '/postgres'),
      `ALTER ROLE linescope PASSWORD '${aState.password.replace(/'/g, "''")}'`,
    );
    await c.stop();
    // C now takes A's place exactly: same port, same login.
    const cState = (await readInstallationDatabase(cFolder))!;
    await writeFile(
      path.join(cFolder, 'embedded-database.json'),
      JSON.stringify({ ...cState, port: aState.port, password: aState.password }),
      { mode: 0o600 },
    );
    await a.stop();
    const impostor = await open(cFolder, aState.port);
    await impostor.start();
    expect(impostor.port).toBe(a.port);

    const reason = await notReadyBecause(/not this installation's cluster/);
    expect(reason).toBe(
      `the PostgreSQL server reached is not this installation's cluster (system identifier ${impostor.systemIdentifier}, expected ${a.systemIdentifier})`,
    );
    expect(api.output().stdout).toContain('refusing the database connection');
    expect(await traces(impostor.url)).toMatchObject({ tables: [], schemas: [] });
    // Reading the system identifier needs a connection, so one of A's (re)connection attempts may be open at the
    // instant this looks; none may stay open.
    await waitFor(
      async () => (await traces(impostor.url)).sessions.length === 0,
      10_000,
      'no session of A left open on the impostor',
      api,
    );

    await impostor.stop();
    await a.start();
    await waitFor(async () => (await readiness()).status === 200, 45_000, "A's API ready again", api);
  }, 120_000);

  it('an app started against another cluster than DATABASE_SYSTEM_ID names refuses to start, in one line', async () => {
    const db = await createEmptyDatabase();
    try {
      const finished = await runNode(builtEntry('api'), {
        DATA_DIR: folders[0],
        DATABASE_URL: db.url,
        DATABASE_SYSTEM_ID: '1',
        API_PORT: '0',
        LOG_LEVEL: 'silent',
      }).exited;
      expect(finished.code).toBe(1);
      expect(finished.stderr.trim()).toMatch(
        /^linescope-api: cannot start: cannot use PostgreSQL at \S+: the PostgreSQL server reached is not this installation's cluster \(system identifier \d+, expected 1\)$/,
      );
      expect((await traces(db.url)).tables).toEqual([]);
    } finally {
      await db.drop();
    }
  }, 60_000);
});
