import { type AppConfig, parseS3Endpoint } from '@linescope/config';
import {
  assertServerIdentity,
  createDataSource,
  describeDatabaseError,
  migrateUp,
  redactUrl,
} from '@linescope/db';
import { JobQueue, type WorkerRole } from '@linescope/queue';
import { BoundedObjectStore, FsObjectStore, type ObjectStore, S3ObjectStore } from '@linescope/storage';
import { type Logger } from 'pino';
import { type DataSource } from 'typeorm';
import { Metrics } from '../metrics/metrics';
import { StartupError } from './startup-error';

/** The I/O edges every app shares, connected and checked before the HTTP server starts. */
export interface Infrastructure {
  app: WorkerRole;
  config: AppConfig;
  /** The environment the app was started with, for settings only one app reads (validated by that app). */
  env: NodeJS.ProcessEnv;
  logger: Logger;
  metrics: Metrics;
  dataSource: DataSource;
  store: ObjectStore;
  queue: JobQueue;
  /** Aborted when shutdown begins, before requests and jobs are drained. */
  shutdownSignal: AbortSignal;
  beginShutdown(): void;
  /** Checks the database answers and, when DATABASE_SYSTEM_ID is set, that it is this installation's cluster. */
  checkDatabase(): Promise<void>;
  /** Stops the queue (waiting for in-flight jobs), then closes the database pool. */
  close(): Promise<void>;
}

export function createObjectStore(config: AppConfig): FsObjectStore | S3ObjectStore {
  const storage = config.storage;
  switch (storage.driver) {
    case 'fs':
      return new FsObjectStore(storage.root);
    case 's3':
      return new S3ObjectStore({
        endpoint: parseS3Endpoint(storage.endpoint),
        bucket: storage.bucket,
        accessKey: storage.accessKey,
        secretKey: storage.secretKey,
        region: storage.region,
        idleTimeoutMs: config.storageTimeoutMs,
      });
  }
}

/** Sweeps what crashed writes left in the filesystem store's `.tmp/` at start and hourly. */
const TMP_SWEEP_EVERY_MS = 60 * 60_000;
const TMP_MAX_AGE_MS = 60 * 60_000;

function sweepTemporaryFiles(store: FsObjectStore, logger: Logger): () => void {
  const sweep = () =>
    store.sweepTemporaryFiles(TMP_MAX_AGE_MS).then(
      (removed) => {
        if (removed) logger.info({ removed }, 'removed temporary files left by interrupted writes');
      },
      (error: unknown) => logger.warn({ err: error }, 'temporary files sweep failed'),
    );
  void sweep();
  const timer = setInterval(() => void sweep(), TMP_SWEEP_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function describeStore(config: AppConfig): string {
  return config.storage.driver === 'fs'
    ? `filesystem store at ${config.storage.root}`
    : `S3 bucket ${config.storage.bucket} at ${config.storage.endpoint}`;
}

export async function connectInfrastructure(
  app: WorkerRole,
  config: AppConfig,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Infrastructure> {
  const url = config.database.url;
  if (!url) {
    throw new StartupError(
      'DATABASE_URL is not set: `npm start` runs the whole product with an embedded PostgreSQL; an app started on its own needs DATABASE_URL',
    );
  }
  const verifyConnection = identityCheck(config.database.systemIdentifier, logger);
  if (config.database.runMigrations) {
    // Migrations (and the lock that serialises them) may take longer than a request's bound: their own pool.
    const migrations = createDataSource({
      url,
      poolSize: 2,
      applicationName: `linescope-${app}-migrate`,
      verifyConnection,
    });
    try {
      await migrations.initialize();
    } catch (error) {
      throw new StartupError(describeDatabaseError(url, error));
    }
    try {
      const applied = await migrateUp(migrations);
      if (applied.length) logger.info({ applied }, 'database migrations applied');
    } catch (error) {
      throw new StartupError(
        `migrations failed on ${redactUrl(url)}: ${(error as Error).message.split('\n')[0]}`,
      );
    } finally {
      await migrations.destroy().catch(() => undefined);
    }
  }

  const timeouts = {
    connectMs: config.database.connectTimeoutMs,
    statementMs: config.database.statementTimeoutMs,
  };
  const dataSource = createDataSource({
    url,
    poolSize: config.database.poolSize,
    applicationName: `linescope-${app}`,
    verifyConnection,
    timeouts,
  });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new StartupError(describeDatabaseError(url, error));
  }
  const cleanup: (() => Promise<unknown>)[] = [() => dataSource.destroy()];
  const fail = async (message: string): Promise<never> => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    throw new StartupError(message);
  };

  const backend = createObjectStore(config);
  const store = new BoundedObjectStore(backend, {
    timeoutMs: config.storageTimeoutMs,
    describe: describeStore(config),
    log: (message, fields) => logger.warn(fields, message),
  });
  try {
    await store.init();
  } catch (error) {
    return fail(`cannot use the ${describeStore(config)}: ${errorText(error)}`);
  }
  const stopSweeping =
    backend instanceof FsObjectStore ? sweepTemporaryFiles(backend, logger) : () => undefined;
  cleanup.push(async () => stopSweeping());

  const queue = new JobQueue({
    databaseUrl: url,
    verifyConnection,
    timeouts,
    backlogLimits: { 'render-heatmap': config.heatmapBacklogMax },
    onError: (error) => logger.error({ err: error }, 'job queue error'),
    log: (message, fields) => logger.info(fields ?? {}, message),
  });
  try {
    await queue.start();
  } catch (error) {
    return fail(`cannot start the job queue: ${errorText(error)}`);
  }
  cleanup.push(() => queue.stop(1_000));

  logger.info(
    { database: redactUrl(url), storage: describeStore(config), role: app },
    'infrastructure connected',
  );
  const shutdown = new AbortController();
  return {
    app,
    config,
    env,
    logger,
    metrics: new Metrics(app),
    dataSource,
    store,
    queue,
    shutdownSignal: shutdown.signal,
    beginShutdown: () => shutdown.abort(),
    checkDatabase: async () => {
      const expected = config.database.systemIdentifier;
      if (expected) await assertServerIdentity(dataSource, expected);
      else await dataSource.query('SELECT 1');
    },
    close: async () => {
      stopSweeping();
      store.close();
      await queue.stop(config.shutdownTimeoutMs);
      await dataSource.destroy();
    },
  };
}

/**
 * With DATABASE_SYSTEM_ID set, every new connection (pool, queue) first checks that the server is that cluster, so
 * an app never reads or writes another installation's database that happens to answer on the same address.
 */
function identityCheck(
  expected: string | undefined,
  logger: Logger,
): ((client: { query(text: string): Promise<unknown> }) => Promise<void>) | undefined {
  if (!expected) return undefined;
  let lastReported = '';
  return async (client) => {
    try {
      await assertServerIdentity(client, expected);
      lastReported = '';
    } catch (error) {
      const message = errorText(error);
      if (message !== lastReported) logger.error(`refusing the database connection: ${message}`);
      lastReported = message;
      throw error;
    }
  };
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    return (error.message || code || error.name).split('\n')[0];
  }
  return String(error);
}
