import { ConfigError, loadConfig } from '@linescope/config';
import {
  assertServerIdentity,
  createDataSource,
  DatabaseTransactions,
  describeDatabaseError,
  migrateUp,
} from '@linescope/db';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { EmbeddedDatabase } from './embedded-database';
import { writeFirstAdminToken } from './first-admin';
import { inferenceToken } from './inference-token';
import { firstLine, Supervisor } from './supervisor';

/**
 * `npm start`: the whole product on one box. Starts this installation's embedded PostgreSQL when DATABASE_URL is
 * not set, applies migrations once, then runs the api, inference and trainer apps as child processes, each kept
 * running by a supervisor. SIGTERM or Ctrl-C stops them in order: the api (no new requests, in-flight ones
 * finish), then inference and trainer (jobs finish or checkpoint), then the database. In a cluster each app is
 * deployed on its own instead (see docker/).
 */
const APPS = ['api', 'inference', 'trainer'] as const;
type AppName = (typeof APPS)[number];

function say(message: string): void {
  process.stderr.write(`linescope: ${message}\n`);
}

let stopRequested: NodeJS.Signals | undefined;
let stopNow: ((signal: NodeJS.Signals) => void) | undefined;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopRequested) return;
    stopRequested = signal;
    stopNow?.(signal);
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const budget = config.shutdownTimeoutMs;
  let database: EmbeddedDatabase | undefined;
  const apps = new Map<AppName, Supervisor>();

  const restartApps = () => {
    for (const supervisor of apps.values()) supervisor.restart('the database moved to another port');
  };
  let databaseUrl = config.database.url;
  let systemIdentifier = config.database.systemIdentifier;
  if (!databaseUrl) {
    say(`no DATABASE_URL: starting this installation's embedded PostgreSQL (data folder ${config.dataDir})`);
    database = await EmbeddedDatabase.start(config.dataDir, config.database.embeddedPort, say, restartApps);
    databaseUrl = database.url;
    systemIdentifier = database.systemIdentifier;
  }
  const stopDatabase = () => database?.stop(Math.max(1_000, budget * 0.15)) ?? Promise.resolve();
  if (stopRequested) return exitAfter(stopDatabase());

  try {
    await prepareDatabase(databaseUrl, systemIdentifier, config.dataDir);
  } catch (error) {
    await stopDatabase();
    throw error;
  }
  if (stopRequested) return exitAfter(stopDatabase());

  const sharedInferenceToken = await inferenceToken(config.dataDir, config.inferenceToken);
  // Each app drains its HTTP requests, then its jobs, each for up to this long: two of them fit in its phase.
  const childTimeoutMs = Math.floor(budget * 0.18);
  for (const app of APPS) {
    const entry = path.join(__dirname, '..', '..', app, 'src', 'main.js');
    const supervisor = new Supervisor(
      app,
      () =>
        spawn(process.execPath, [entry], {
          env: {
            ...process.env,
            DATABASE_URL: database?.url ?? databaseUrl,
            ...(systemIdentifier
              ? { DATABASE_SYSTEM_ID: database?.systemIdentifier ?? systemIdentifier }
              : {}),
            MIGRATIONS_RUN: 'false',
            INFERENCE_TOKEN: sharedInferenceToken,
            SHUTDOWN_TIMEOUT_MS: String(childTimeoutMs),
          },
          // Own process group (a terminal's Ctrl-C reaches the launcher only, which stops the apps in order);
          // the IPC channel closes if the launcher dies, and the app then stops itself.
          detached: true,
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      say,
    );
    apps.set(app, supervisor);
    await supervisor.start();
  }
  say(`started ${APPS.join(', ')}; API on http://${config.host}:${config.ports.api}`);

  const shutdown = async (signal: NodeJS.Signals) => {
    const started = Date.now();
    say(`${signal}: stopping the api, then inference and trainer, then the database (within ${budget} ms)`);
    await apps.get('api')?.stop(budget * 0.4);
    await Promise.all([apps.get('inference')?.stop(budget * 0.4), apps.get('trainer')?.stop(budget * 0.4)]);
    await stopDatabase();
    say(`stopped in ${Date.now() - started} ms`);
  };
  stopNow = (signal) => void exitAfter(shutdown(signal));
  if (stopRequested) stopNow(stopRequested);
}

/** Applies migrations once, before any app starts, and makes the first admin of a fresh installation. */
async function prepareDatabase(
  url: string,
  systemIdentifier: string | undefined,
  dataDir: string,
): Promise<void> {
  const dataSource = createDataSource({
    url,
    poolSize: 2,
    applicationName: 'linescope-launcher',
    verifyConnection: systemIdentifier
      ? (client) => assertServerIdentity(client, systemIdentifier)
      : undefined,
  });
  try {
    await dataSource.initialize();
    await migrateUp(dataSource);
    const tokenFile = await writeFirstAdminToken(new DatabaseTransactions(dataSource), dataDir);
    if (tokenFile) say(`fresh installation: the first admin's bearer token is in ${tokenFile}`);
  } catch (error) {
    throw new Error(describeDatabaseError(url, error), { cause: error });
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

function exitAfter(work: Promise<void>): Promise<void> {
  return work.then(
    () => process.exit(0),
    (error: unknown) => {
      say(`unclean stop: ${firstLine(error)}`);
      process.exit(1);
    },
  );
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  say(`cannot start: ${message.split('\n')[0]}`);
  process.exit(1);
});
