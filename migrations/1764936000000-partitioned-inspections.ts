import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * `inspections` becomes a table partitioned by day of `received_at` (UTC), with a DEFAULT partition for rows of a
 * day that has no partition yet. `received_at` is set by the server (`captured_at` is the camera's, optional and
 * untrusted), so every row has one and it only grows.
 *
 * A unique index on a partitioned table must include the partition key, so what must be unique across days moves to
 * `inspection_keys` (one small row per inspection: id, received_at, camera_id, idempotency_key), kept by triggers:
 * - its primary key is what the foreign keys of reviews, label-set items, shadow results and review claims now
 *   reference (same names, same ON DELETE actions): a review of a missing inspection is refused as before, and an
 *   inspection with reviews cannot be deleted;
 * - its unique index keeps the name `inspections_idempotency`, so a second row for a camera's key fails exactly as
 *   before (23505 on that name, which the intake answers as a replay).
 * `image_key` was unique; it contains the row's id, so it stays a plain index.
 *
 * The conversion is generic: the new table is built `LIKE` the old one, and its indexes, triggers and foreign keys
 * are recreated from their catalogue definitions, so columns or indexes an earlier migration added come along.
 * `create_inspection_partition(day)` makes a day's partition (moving that day's rows out of DEFAULT if any);
 * `drop_inspection_partition(day)` drops one unless a row of it is reviewed or in a label set.
 */
export class PartitionedInspections1764936000000 implements MigrationInterface {
  name = 'PartitionedInspections1764936000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`SET LOCAL statement_timeout = 0`);
    const indexes = await indexDefinitions(db);
    const triggers = await triggerDefinitions(db);
    const ownForeignKeys = await foreignKeysOf(db, 'inspections');
    const referencing = await foreignKeysTo(db, 'inspections');
    for (const fk of referencing) await db.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT ${fk.name}`);

    await db.query(`ALTER TABLE inspections RENAME TO inspections_unpartitioned`);
    await db.query(`
      CREATE TABLE inspections (LIKE inspections_unpartitioned
        INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS)
      PARTITION BY RANGE (received_at)`);
    await db.query(`CREATE TABLE inspections_default PARTITION OF inspections DEFAULT`);
    await db.query(NAME_INDEXES_FUNCTION);
    await db.query(CREATE_PARTITION_FUNCTION);
    await db.query(`
      SELECT create_inspection_partition(day) FROM (
        SELECT DISTINCT (received_at AT TIME ZONE 'UTC')::date AS day FROM inspections_unpartitioned
        UNION
        SELECT generate_series(0, 7) + (now() AT TIME ZONE 'UTC')::date) days
       ORDER BY day`);

    const columns = await insertableColumns(db, 'inspections_unpartitioned');
    await db.query(`INSERT INTO inspections (${columns}) SELECT ${columns} FROM inspections_unpartitioned`);
    await db.query(`
      CREATE TABLE inspection_keys (
        id uuid PRIMARY KEY,
        received_at timestamptz NOT NULL,
        camera_id uuid NOT NULL,
        idempotency_key text
      )`);
    await db.query(`
      INSERT INTO inspection_keys (id, received_at, camera_id, idempotency_key)
      SELECT id, received_at, camera_id, idempotency_key FROM inspections_unpartitioned`);
    await db.query(`DROP TABLE inspections_unpartitioned`);

    await db.query(`ALTER TABLE inspections ADD CONSTRAINT inspections_pkey PRIMARY KEY (id, received_at)`);
    for (const index of indexes) {
      if (index.primary) continue;
      if (index.name === 'inspections_idempotency') {
        await db.query(
          `CREATE UNIQUE INDEX inspections_idempotency ON inspection_keys (camera_id, idempotency_key)
            WHERE idempotency_key IS NOT NULL`,
        );
      } else if (index.unique && !index.definition.includes('received_at')) {
        await db.query(index.definition.replace('CREATE UNIQUE INDEX', 'CREATE INDEX'));
      } else {
        await db.query(index.definition);
      }
    }
    for (const fk of ownForeignKeys)
      await db.query(`ALTER TABLE inspections ADD CONSTRAINT ${fk.name} ${fk.definition}`);
    for (const fk of referencing)
      await db.query(
        `ALTER TABLE ${fk.table} ADD CONSTRAINT ${fk.name} ${fk.definition.replace(REFERENCES_INSPECTIONS, 'REFERENCES inspection_keys(id)')}`,
      );
    await db.query(`
      SELECT name_inspection_partition_indexes(inhrelid::regclass) FROM pg_inherits
       WHERE inhparent = 'inspections'::regclass`);
    for (const trigger of triggers) await db.query(trigger.definition);
    await db.query(KEYS_TRIGGERS);
    await db.query(DROP_PARTITION_FUNCTION);
    await db.query(`ANALYZE inspections`);
    await db.query(`ANALYZE inspection_keys`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`SET LOCAL statement_timeout = 0`);
    await db.query(`DROP TRIGGER inspections_keys_insert ON inspections`);
    await db.query(`DROP TRIGGER inspections_keys_update ON inspections`);
    await db.query(`DROP TRIGGER inspections_keys_delete ON inspections`);
    const indexes = await indexDefinitions(db);
    const triggers = await triggerDefinitions(db);
    const ownForeignKeys = await foreignKeysOf(db, 'inspections');
    const referencing = await foreignKeysTo(db, 'inspection_keys');
    for (const fk of referencing) await db.query(`ALTER TABLE ${fk.table} DROP CONSTRAINT ${fk.name}`);

    await db.query(`ALTER TABLE inspections RENAME TO inspections_partitioned`);
    await db.query(`
      CREATE TABLE inspections (LIKE inspections_partitioned
        INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS)`);
    const columns = await insertableColumns(db, 'inspections_partitioned');
    await db.query(`INSERT INTO inspections (${columns}) SELECT ${columns} FROM inspections_partitioned`);
    await db.query(`DROP TABLE inspections_partitioned`);
    await db.query(`DROP TABLE inspection_keys`);
    await db.query(`DROP FUNCTION drop_inspection_partition(date)`);
    await db.query(`DROP FUNCTION create_inspection_partition(date)`);
    await db.query(`DROP FUNCTION name_inspection_partition_indexes(regclass)`);
    await db.query(`DROP FUNCTION inspection_keys_sync()`);

    await db.query(`ALTER TABLE inspections ADD CONSTRAINT inspections_pkey PRIMARY KEY (id)`);
    await db.query(`ALTER TABLE inspections ADD CONSTRAINT inspections_image_key_key UNIQUE (image_key)`);
    await db.query(
      `CREATE UNIQUE INDEX inspections_idempotency ON inspections (camera_id, idempotency_key)
        WHERE idempotency_key IS NOT NULL`,
    );
    for (const index of indexes) {
      if (index.primary || index.name === 'inspections_image_key_key') continue;
      await db.query(index.definition.replace(' ON ONLY ', ' ON '));
    }
    for (const fk of ownForeignKeys)
      await db.query(`ALTER TABLE inspections ADD CONSTRAINT ${fk.name} ${fk.definition}`);
    for (const fk of referencing)
      await db.query(
        `ALTER TABLE ${fk.table} ADD CONSTRAINT ${fk.name} ${fk.definition.replace(REFERENCES_KEYS, 'REFERENCES inspections(id)')}`,
      );
    for (const trigger of triggers) await db.query(trigger.definition);
  }
}

const REFERENCES_INSPECTIONS = /REFERENCES (public\.)?inspections\(id\)/;
const REFERENCES_KEYS = /REFERENCES (public\.)?inspection_keys\(id\)/;

/**
 * A partition's indexes are named after the table's (`inspections_line_dashboard_p20261204`), so a plan names the
 * index it uses whichever day it reads.
 */
const NAME_INDEXES_FUNCTION = `
  CREATE FUNCTION name_inspection_partition_indexes(partition regclass) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE
    suffix text := '_' || substr(partition::text, length('inspections_') + 1);
    child text;
    parent text;
  BEGIN
    FOR child, parent IN
      SELECT ci.relname, pi.relname
        FROM pg_index x
        JOIN pg_class ci ON ci.oid = x.indexrelid
        JOIN pg_inherits h ON h.inhrelid = x.indexrelid
        JOIN pg_class pi ON pi.oid = h.inhparent
       WHERE x.indrelid = partition
    LOOP
      IF child <> left(parent, 63 - length(suffix)) || suffix THEN
        EXECUTE format('ALTER INDEX %I RENAME TO %I', child, left(parent, 63 - length(suffix)) || suffix);
      END IF;
    END LOOP;
  END $$`;

/** Day partitions are named inspections_pYYYYMMDD and hold [day, day + 1) in UTC. */
const CREATE_PARTITION_FUNCTION = `
  CREATE FUNCTION create_inspection_partition(day date) RETURNS text LANGUAGE plpgsql AS $$
  DECLARE
    partition text := 'inspections_p' || to_char(day, 'YYYYMMDD');
    lower_bound timestamptz := day::timestamp AT TIME ZONE 'UTC';
    upper_bound timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
    columns text;
  BEGIN
    IF to_regclass(partition) IS NOT NULL THEN
      RETURN partition;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM inspections_default WHERE received_at >= lower_bound AND received_at < upper_bound) THEN
      EXECUTE format('CREATE TABLE %I PARTITION OF inspections FOR VALUES FROM (%L) TO (%L)',
                     partition, lower_bound, upper_bound);
      PERFORM name_inspection_partition_indexes(partition::regclass);
      RETURN partition;
    END IF;
    -- The day's rows arrived before its partition: move them out of DEFAULT while both are plain tables, so no row
    -- trigger fires (the rows neither change nor are new), then attach both.
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
      FROM pg_attribute
     WHERE attrelid = 'inspections'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '';
    EXECUTE format('CREATE TABLE %I (LIKE inspections INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE)', partition);
    ALTER TABLE inspections DETACH PARTITION inspections_default;
    EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM inspections_default WHERE received_at >= %L AND received_at < %L',
                   partition, columns, columns, lower_bound, upper_bound);
    EXECUTE format('DELETE FROM inspections_default WHERE received_at >= %L AND received_at < %L', lower_bound, upper_bound);
    EXECUTE format('ALTER TABLE inspections ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                   partition, lower_bound, upper_bound);
    ALTER TABLE inspections ATTACH PARTITION inspections_default DEFAULT;
    PERFORM name_inspection_partition_indexes(partition::regclass);
    RETURN partition;
  END $$`;

/**
 * Drops a day's partition unless one of its rows has a review or is in a label set ('kept'). Its rows' shadow
 * results and keys go with it (review claims cascade); the keys' foreign keys refuse the delete if a review or
 * label-set item arrived after the check, which rolls everything back. The parent is locked only for the DROP.
 */
const DROP_PARTITION_FUNCTION = `
  CREATE FUNCTION drop_inspection_partition(day date) RETURNS text LANGUAGE plpgsql AS $$
  DECLARE
    partition text := 'inspections_p' || to_char(day, 'YYYYMMDD');
    referenced boolean;
  BEGIN
    IF to_regclass(partition) IS NULL THEN
      RETURN 'absent';
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %1$I WHERE review_count > 0)
                        OR EXISTS (SELECT 1 FROM label_set_items m JOIN %1$I p ON p.id = m.inspection_id)',
                   partition) INTO referenced;
    IF referenced THEN
      RETURN 'kept';
    END IF;
    -- By primary key (= ANY of the day's ids): a join would read the whole keys table, which grows with retention.
    EXECUTE format('DELETE FROM shadow_results WHERE inspection_id = ANY (ARRAY(SELECT id FROM %I))', partition);
    EXECUTE format('DELETE FROM inspection_keys WHERE id = ANY (ARRAY(SELECT id FROM %I))', partition);
    LOCK TABLE inspections IN ACCESS EXCLUSIVE MODE;
    EXECUTE format('DROP TABLE %I', partition);
    RETURN 'dropped';
  EXCEPTION WHEN foreign_key_violation THEN
    RETURN 'kept';
  END $$`;

/**
 * A row whose received_at changes to another day moves partition: PostgreSQL runs that as a DELETE and an INSERT
 * (their AFTER triggers fire, not UPDATE's), so the DELETE leaves the key while the row still exists, and the INSERT
 * finds the key taken and, the id being on one row only, moves it along.
 */
const KEYS_TRIGGERS = `
  CREATE FUNCTION inspection_keys_sync() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO inspection_keys (id, received_at, camera_id, idempotency_key)
      VALUES (NEW.id, NEW.received_at, NEW.camera_id, NEW.idempotency_key)
      ON CONFLICT (id) DO NOTHING;
      IF NOT FOUND THEN
        IF (SELECT count(*) FROM inspections WHERE id = NEW.id) > 1 THEN
          RAISE EXCEPTION 'duplicate inspection id %', NEW.id
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'inspections_pkey';
        END IF;
        UPDATE inspection_keys
           SET received_at = NEW.received_at, camera_id = NEW.camera_id, idempotency_key = NEW.idempotency_key
         WHERE id = NEW.id;
      END IF;
    ELSIF TG_OP = 'UPDATE' THEN
      UPDATE inspection_keys
         SET id = NEW.id, received_at = NEW.received_at, camera_id = NEW.camera_id,
             idempotency_key = NEW.idempotency_key
       WHERE id = OLD.id;
    ELSIF NOT EXISTS (SELECT 1 FROM inspections WHERE id = OLD.id) THEN
      DELETE FROM inspection_keys WHERE id = OLD.id;
    END IF;
    RETURN NULL;
  END $$;

  CREATE TRIGGER inspections_keys_insert AFTER INSERT ON inspections
    FOR EACH ROW EXECUTE FUNCTION inspection_keys_sync();
  CREATE TRIGGER inspections_keys_update AFTER UPDATE OF id, received_at, camera_id, idempotency_key ON inspections
    FOR EACH ROW EXECUTE FUNCTION inspection_keys_sync();
  CREATE TRIGGER inspections_keys_delete AFTER DELETE ON inspections
    FOR EACH ROW EXECUTE FUNCTION inspection_keys_sync()`;

interface IndexDefinition {
  name: string;
  definition: string;
  primary: boolean;
  unique: boolean;
}

/** The indexes of `inspections` itself (a partitioned table's, not its partitions'), as CREATE INDEX statements. */
async function indexDefinitions(db: QueryRunner): Promise<IndexDefinition[]> {
  return db.manager.query<IndexDefinition[]>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition, i.indisprimary AS primary,
            i.indisunique AS unique
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = 'inspections'::regclass
      ORDER BY c.relname`,
  );
}

/** User triggers of `inspections` itself, as CREATE TRIGGER statements. */
async function triggerDefinitions(db: QueryRunner): Promise<{ name: string; definition: string }[]> {
  return db.manager.query<{ name: string; definition: string }[]>(
    `SELECT tgname AS name, pg_get_triggerdef(oid) AS definition
       FROM pg_trigger WHERE tgrelid = 'inspections'::regclass AND NOT tgisinternal ORDER BY tgname`,
  );
}

async function foreignKeysOf(
  db: QueryRunner,
  table: string,
): Promise<{ name: string; definition: string }[]> {
  return db.manager.query<{ name: string; definition: string }[]>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f' AND conparentid = 0 ORDER BY conname`,
    [table],
  );
}

async function foreignKeysTo(
  db: QueryRunner,
  table: string,
): Promise<{ table: string; name: string; definition: string }[]> {
  return db.manager.query<{ table: string; name: string; definition: string }[]>(
    `SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE confrelid = $1::regclass AND contype = 'f' AND conparentid = 0 ORDER BY conname`,
    [table],
  );
}

/** Every column that can be written (stored generated columns are computed again). */
async function insertableColumns(db: QueryRunner, table: string): Promise<string> {
  const rows = await db.manager.query<{ name: string }[]>(
    `SELECT quote_ident(attname) AS name FROM pg_attribute
      WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''
      ORDER BY attnum`,
    [table],
  );
  return rows.map((row) => row.name).join(', ');
}
