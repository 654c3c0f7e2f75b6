import { type AppConfig, parseS3Endpoint } from '@linescope/config';
import { createDataSource, describeDatabaseError, migrateUp, redactUrl } from '@linescope/db';
import { JobQueue, type WorkerRole } from '@linescope/queue';
import { FsObjectStore, type ObjectStore, S3ObjectStore } from '@linescope/storage';
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
  /** Stops the queue (waiting for in-flight jobs), then closes the database pool. */
  close(): Promise<void>;
}

export function createObjectStore(config: AppConfig): ObjectStore {
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
      });
  }
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
  const dataSource = createDataSource({
    url,
    poolSize: config.database.poolSize,
    applicationName: `linescope-${app}`,
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

  if (config.database.runMigrations) {
    try {
      const applied = await migrateUp(dataSource);
      if (applied.length) logger.info({ applied }, 'database migrations applied');
    } catch (error) {
      return fail(`migrations failed on ${redactUrl(url)}: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  const store = createObjectStore(config);
  try {
    await store.init();
  } catch (error) {
    return fail(`cannot use the ${describeStore(config)}: ${errorText(error)}`);
  }

  const queue = new JobQueue({
    databaseUrl: url,
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
  return {
    app,
    config,
    env,
    logger,
    metrics: new Metrics(app),
    dataSource,
    store,
    queue,
    close: async () => {
      await queue.stop(config.shutdownTimeoutMs);
      await dataSource.destroy();
    },
  };
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    return (error.message || code || error.name).split('\n')[0];
  }
  return String(error);
}
