import { DataSource, type QueryRunner } from 'typeorm';
import { migrations } from '../../../migrations';
import { entities } from './entities';

export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
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
    extra: { max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000 },
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
