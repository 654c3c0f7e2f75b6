import { createEmptyDatabase, type TestDatabase } from '../../../test/support/database';
import { createDataSource, migrateDownAll, migrateUp } from './data-source';

const ALL = [
  'InitialSchema1764385200000',
  'UserApiTokens1764471600000',
  'ModelLifecycle1764558000000',
  'TrainingHeartbeat1764644400000',
  'WebConsole1764730800000',
  'TrainingProgressEvents1764903600000',
  'ModelArtefacts1764907200000',
  'Administration1764910800000',
  'Retention1764918000000',
  'PartitionedInspections1764936000000',
];

const TABLES = [
  'audit_events',
  'camera_api_keys',
  'cameras',
  'events',
  'inspection_keys',
  'inspections',
  'label_set_items',
  'label_sets',
  'login_failures',
  'model_promotions',
  'model_versions',
  'production_lines',
  'review_claims',
  'reviews',
  'shadow_results',
  'training_epochs',
  'training_jobs',
  'user_api_tokens',
  'user_sessions',
  'users',
];

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createEmptyDatabase();
  });
  afterAll(async () => db.drop());

  async function userTables(url: string): Promise<string[]> {
    const ds = createDataSource({ url, poolSize: 1 });
    await ds.initialize();
    try {
      const rows: { table_name: string }[] = await ds.query(
        // Partitions of a partitioned table are tables too; the schema is the partitioned tables themselves.
        `SELECT c.relname AS table_name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            AND c.relname <> 'schema_migrations' ORDER BY c.relname COLLATE "C"`,
      );
      return rows.map((r) => r.table_name);
    } finally {
      await ds.destroy();
    }
  }

  it('go all the way up from an empty database, are idempotent, and come all the way down', async () => {
    const ds = createDataSource({ url: db.url, poolSize: 2 });
    await ds.initialize();
    try {
      expect(await migrateUp(ds)).toEqual(ALL);
      expect(await migrateUp(ds)).toEqual([]);
      expect(await userTables(db.url)).toEqual(TABLES);

      expect(await migrateDownAll(ds)).toBe(ALL.length);
      expect(await userTables(db.url)).toEqual([]);
      const types: { typname: string }[] = await ds.query(
        `SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'`,
      );
      expect(types).toEqual([]);

      // and up again after a full revert
      expect(await migrateUp(ds)).toEqual(ALL);
    } finally {
      await ds.destroy();
    }
  });

  it('serialise concurrent runs from several processes', async () => {
    const fresh = await createEmptyDatabase();
    const sources = [1, 2, 3].map(() => createDataSource({ url: fresh.url, poolSize: 2 }));
    try {
      await Promise.all(sources.map((s) => s.initialize()));
      const results = await Promise.all(sources.map((s) => migrateUp(s)));
      expect(results.flat()).toEqual(ALL);
    } finally {
      await Promise.all(sources.map((s) => s.destroy()));
      await fresh.drop();
    }
  });
});
