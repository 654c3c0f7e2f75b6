import { DataSource, type QueryRunner } from 'typeorm';
import { migrations } from '../../../migrations';
import { entities } from './entities';

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
  /**
   * Runs on every new pooled connection before it is used; a rejection closes the connection and fails the query
   * that asked for it. Used to check the server is this installation's cluster (see `assertServerIdentity`).
   */
  verifyConnection?: (client: { query(text: string): Promise<unknown> }) => Promise<void>;
  /** Bounds on every call (request path): unset, only the 5 s connection timeout applies (migrations, CLIs). */
  timeouts?: DatabaseTimeouts;
}

export interface DatabaseTimeouts {
  /** Waiting for a pooled connection (a new one, or a free one when the pool is busy). */
  connectMs: number;
  /** One statement, lock waits included: the server cancels it (SQLSTATE 57014). */
  statementMs: number;
}

/** A server that does not answer at all (stopped, unreachable) cannot cancel: the client gives up this much later. */
const CLIENT_SIDE_SLACK_MS = 1_000;

/** pg's Pool options for the bounds: server-side statement_timeout, and a client-side read timeout behind it. */
export function timeoutOptions(timeouts: DatabaseTimeouts | undefined): Record<string, number> {
  if (!timeouts) return { connectionTimeoutMillis: 5_000 };
  return {
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.statementMs + CLIENT_SIDE_SLACK_MS,
  };
}

/** The one TypeORM DataSource factory: schema comes only from migrations, never from synchronize. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'schema_migrations',
    applicationName: options.applicationName ?? 'linescope',
    extra: {
      max: options.poolSize ?? 10,
      // No JIT: the planner's cost of a console query over many day partitions of inspections (the review backlog,
      // the dashboards' overview) passes jit_above_cost, and compiling took 0.4 s of a query whose work is 30 ms.
      options: '-c jit=off',
      ...timeoutOptions(options.timeouts),
      ...(options.verifyConnection ? { onConnect: options.verifyConnection } : {}),
    },
  });
}

/** Serialises migration runs across processes that start at the same time. */
const MIGRATION_LOCK_ID = 7_261_001;

async function withMigrationLock<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  const runner: QueryRunner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    return await work();
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * Applies pending migrations, each in its own transaction. Returns the names applied.
 * Needs two pooled connections: one holds the lock while TypeORM runs the migrations on another.
 */
export async function migrateUp(dataSource: DataSource): Promise<string[]> {
  return withMigrationLock(dataSource, async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  });
}

/** Reverts every applied migration, newest first. Returns how many were reverted. */
export async function migrateDownAll(dataSource: DataSource): Promise<number> {
  return withMigrationLock(dataSource, async () => {
    let reverted = 0;
    while (await hasAppliedMigrations(dataSource)) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      reverted += 1;
    }
    return reverted;
  });
}

async function hasAppliedMigrations(dataSource: DataSource): Promise<boolean> {
  const rows: { count: string }[] = await dataSource.query(
    `SELECT count(*)::text AS count FROM information_schema.tables WHERE table_name = 'schema_migrations'`,
  );
  if (rows[0]?.count === '0') return false;
  const applied: { count: string }[] = await dataSource.query(
    `SELECT count(*)::text AS count FROM schema_migrations`,
  );
  return applied[0]?.count !== '0';
}

/** Cheap check for readiness probes. */
export async function pingDatabase(dataSource: DataSource): Promise<void> {
  await dataSource.query('SELECT 1');
}
