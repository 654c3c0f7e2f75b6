import { ConfigError, loadConfig } from '@linescope/config';
import {
  createDataSource,
  describeDatabaseError,
  migrateUp,
  startEmbeddedPostgres,
  DatabaseTransactions,
} from '@linescope/db';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bootstrapFirstAdmin } from '@linescope/accounts';

/**
 * `npm start`: the whole product on one box. Starts an embedded PostgreSQL when DATABASE_URL is not set,
 * applies migrations once, then runs the api, inference and trainer apps as child processes and supervises them.
 * In a cluster each app is deployed on its own instead (see docker/).
 */
const APPS = ['api', 'inference', 'trainer'] as const;
/** A child that dies this soon after starting failed to start: restarting it would only loop. */
const STARTUP_WINDOW_MS = 15_000;

function say(message: string): void {
  process.stderr.write(`linescope: ${message}\n`);
}

async function main(): Promise<void> {
  const config = loadConfig();
  let stopEmbedded: (() => Promise<void>) | undefined;
  let databaseUrl = config.database.url;
  if (!databaseUrl) {
    const dataDir = path.join(config.dataDir, 'postgres');
    say(`no DATABASE_URL: starting the embedded PostgreSQL in ${dataDir}`);
    const embedded = await startEmbeddedPostgres({ dataDir });
    databaseUrl = embedded.url;
    stopEmbedded = () => embedded.stop();
  }

  const dataSource = createDataSource({
    url: databaseUrl,
    poolSize: 2,
    applicationName: 'linescope-launcher',
  });
  try {
    await dataSource.initialize();
    await migrateUp(dataSource);
    const adminToken = await bootstrapFirstAdmin(new DatabaseTransactions(dataSource));
    if (adminToken) {
      const file = path.join(config.dataDir, 'initial-admin-token');
      await mkdir(config.dataDir, { recursive: true });
      await writeFile(file, adminToken + '\n', { mode: 0o600 });
      say(`fresh installation: the first admin's bearer token is in ${file}`);
    }
  } catch (error) {
    await stopEmbedded?.();
    throw new Error(describeDatabaseError(databaseUrl, error), { cause: error });
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }

  const children = new Map<string, ChildProcess>();
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const exits = [...children.values()].map(
      (child) =>
        new Promise<void>((resolve) =>
          child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
        ),
    );
    for (const child of children.values()) child.kill('SIGTERM');
    await Promise.all(exits);
    await stopEmbedded?.();
    process.exit(code);
  };

  const launch = (app: (typeof APPS)[number], restarts = 0) => {
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(__dirname, '..', '..', app, 'src', 'main.js')], {
      env: { ...process.env, DATABASE_URL: databaseUrl, MIGRATIONS_RUN: 'false' },
      stdio: 'inherit',
    });
    children.set(app, child);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      if (Date.now() - started < STARTUP_WINDOW_MS) {
        say(`${app} could not start (exit ${code ?? signal}); stopping`);
        void stopAll(1);
        return;
      }
      const delay = Math.min(30_000, 1000 * 2 ** restarts);
      say(`${app} exited (${code ?? signal}); restarting in ${delay} ms`);
      setTimeout(() => launch(app, restarts + 1), delay);
    });
  };

  for (const app of APPS) launch(app);
  say(`started ${APPS.join(', ')}; API on http://${config.host}:${config.ports.api}`);
  process.once('SIGTERM', () => void stopAll(0));
  process.once('SIGINT', () => void stopAll(0));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  say(`cannot start: ${message.split('\n')[0]}`);
  process.exit(1);
});
