import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { type DataSource } from 'typeorm';
import { createDataSource, migrateUp } from '@linescope/db';

/**
 * The PostgreSQL server tests use: TEST_DATABASE_URL, else the machine's server on 127.0.0.1:5432.
 * Each test file gets a database of its own, so files can run in parallel.
 */
export const ADMIN_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function urlFor(database: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const name = `linescope_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: urlFor(name),
    drop: () =>
      admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Creates a database with every migration applied and an initialised DataSource on it. */
export async function createMigratedDatabase(): Promise<{ db: TestDatabase; dataSource: DataSource }> {
  const db = await createEmptyDatabase();
  const dataSource = createDataSource({ url: db.url, poolSize: 4 });
  await dataSource.initialize();
  await migrateUp(dataSource);
  const drop = db.drop;
  db.drop = async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await drop();
  };
  return { db, dataSource };
}
