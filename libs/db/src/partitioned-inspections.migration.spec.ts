import { randomUUID } from 'node:crypto';
import { type DataSource, QueryFailedError } from 'typeorm';
import { createMigratedDatabase, type TestDatabase } from '../../../test/support/database';
import { seedCamera, seedLine, seedModelVersion, seedUser } from '../../../test/support/seed';
import { migrateUp } from './data-source';

const DAY_MS = 86_400_000;

/** Everything the conversion must keep, as comparable JSON, in a stable order. */
async function snapshot(ds: DataSource): Promise<Record<string, unknown[]>> {
  const tables = ['inspections', 'reviews', 'label_set_items', 'shadow_results', 'review_claims'];
  const result: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows: { row: unknown }[] = await ds.query(`SELECT to_jsonb(t) AS row FROM ${table} t`);
    result[table] = rows.map((r) => r.row).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return result;
}

async function relkind(ds: DataSource): Promise<string> {
  const rows: { relkind: string }[] = await ds.query(
    `SELECT relkind FROM pg_class WHERE relname = 'inspections'`,
  );
  return rows[0].relkind;
}

async function sqlError(work: Promise<unknown>): Promise<{ code: string; constraint?: string }> {
  const error: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(QueryFailedError);
  return (error as QueryFailedError & { driverError: { code: string; constraint?: string } }).driverError;
}

describe('migration PartitionedInspections1764936000000', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let cameraId: string;
  let lineId: string;
  let modelId: string;
  let reviewedId: string;
  const ids: string[] = [];

  beforeAll(async () => {
    ({ db, dataSource: ds } = await createMigratedDatabase());
    await ds.undoLastMigration({ transaction: 'each' });
    expect(await relkind(ds)).toBe('r');

    // A populated installation at the previous migration: 4 days of rows and one two years old.
    modelId = await seedModelVersion(ds, { stage: 'production' });
    const shadowId = await seedModelVersion(ds, { shadow: true });
    lineId = await seedLine(ds);
    cameraId = await seedCamera(ds, lineId);
    const reviewer = await seedUser(ds, 'qa');
    for (const [n, ageMs] of [
      0,
      DAY_MS,
      2 * DAY_MS,
      3 * DAY_MS,
      730 * DAY_MS,
      3 * DAY_MS + 60_000,
    ].entries()) {
      const rows: { id: string }[] = await ds.query(
        `INSERT INTO inspections (line_id, camera_id, idempotency_key, image_key, image_sha256, image_bytes, width,
                                  height, format, received_at, status, verdict, score, model_version_id, latency)
         VALUES ($1, $2, $3, $4, repeat('a', 64), 10, 1, 1, 'png', now() - $5 * interval '1 millisecond',
                 'scored', $6, 0.5, $7, '{"totalMs": 12.5}')
         RETURNING id`,
        [
          lineId,
          cameraId,
          n % 2 ? `key-${n}` : null,
          `images/${randomUUID()}.png`,
          ageMs,
          n % 3 ? 'defect' : 'ok',
          modelId,
        ],
      );
      ids.push(rows[0].id);
    }
    reviewedId = ids[1];
    const reviews: { id: string }[] = await ds.query(
      `INSERT INTO reviews (inspection_id, reviewer_id, decision, defect_type) VALUES ($1, $2, 'defect', 'scratch')
       RETURNING id`,
      [reviewedId, reviewer],
    );
    const sets: { id: string }[] = await ds.query(
      `INSERT INTO label_sets (name, task, source, class_names) VALUES ('s', 'classification', '{}', '["ok","defect"]')
       RETURNING id`,
    );
    await ds.query(
      `INSERT INTO label_set_items (label_set_id, inspection_id, review_id, label) VALUES ($1, $2, $3, 'defect'),
              ($1, $4, NULL, 'ok')`,
      [sets[0].id, reviewedId, reviews[0].id, ids[4]],
    );
    await ds.query(
      `INSERT INTO shadow_results (inspection_id, model_version_id, verdict, score, production_model_version_id,
                                   production_verdict, production_score)
       VALUES ($1, $2, 'ok', 0.1, $3, 'ok', 0.2)`,
      [ids[0], shadowId, modelId],
    );
    await ds.query(
      `INSERT INTO review_claims (inspection_id, user_id, expires_at) VALUES ($1, $2, now() + interval '5 minutes')`,
      [ids[2], reviewer],
    );
  });
  afterAll(async () => db.drop());

  async function expectConstraintsEnforced(): Promise<void> {
    const duplicate = await sqlError(
      ds.query(
        `INSERT INTO inspections (line_id, camera_id, idempotency_key, image_key, image_sha256, image_bytes, width,
                                  height, format)
         VALUES ($1, $2, 'key-1', $3, repeat('b', 64), 10, 1, 1, 'png')`,
        [lineId, cameraId, `images/${randomUUID()}.png`],
      ),
    );
    expect(duplicate).toMatchObject({ code: '23505', constraint: 'inspections_idempotency' });

    const reviewer = await seedUser(ds, 'qa');
    const orphanReview = await sqlError(
      ds.query(`INSERT INTO reviews (inspection_id, reviewer_id, decision) VALUES ($1, $2, 'ok')`, [
        randomUUID(),
        reviewer,
      ]),
    );
    expect(orphanReview.code).toBe('23503');
    const deleteReviewed = await sqlError(ds.query(`DELETE FROM inspections WHERE id = $1`, [reviewedId]));
    expect(deleteReviewed.code).toBe('23503');
    const unknownLine = await sqlError(
      ds.query(
        `INSERT INTO inspections (line_id, camera_id, image_key, image_sha256, image_bytes, width, height, format)
         VALUES ($1, $2, $3, repeat('b', 64), 10, 1, 1, 'png')`,
        [randomUUID(), cameraId, `images/${randomUUID()}.png`],
      ),
    );
    expect(unknownLine.code).toBe('23503');
  }

  it('converts the populated table keeping every row, enforces the same constraints, and runs down again', async () => {
    const before = await snapshot(ds);
    expect(before.inspections).toHaveLength(6);
    await expectConstraintsEnforced();

    expect(await migrateUp(ds)).toEqual(['PartitionedInspections1764936000000']);
    expect(await relkind(ds)).toBe('p');
    expect(await snapshot(ds)).toEqual(before);
    const partitions: { name: string }[] = await ds.query(
      `SELECT c.relname AS name FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
        WHERE h.inhparent = 'inspections'::regclass ORDER BY 1`,
    );
    // Five distinct days of data (two rows share one) plus today and the next 7, and DEFAULT; none in DEFAULT.
    const names = partitions.map((p) => p.name);
    expect(names).toContain('inspections_default');
    expect(names.length).toBeGreaterThanOrEqual(1 + 8 + 4);
    expect(await ds.query(`SELECT count(*)::int AS n FROM inspections_default`)).toEqual([{ n: 0 }]);
    const keys: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM inspection_keys`);
    expect(keys[0].n).toBe(6);
    await expectConstraintsEnforced();
    // The trigger that keeps review_count still runs against the new table.
    const reviewer = await seedUser(ds, 'qa');
    await ds.query(`INSERT INTO reviews (inspection_id, reviewer_id, decision) VALUES ($1, $2, 'ok')`, [
      reviewedId,
      reviewer,
    ]);
    expect(await ds.query(`SELECT review_count FROM inspections WHERE id = $1`, [reviewedId])).toEqual([
      { review_count: 2 },
    ]);

    const converted = await snapshot(ds);
    await ds.undoLastMigration({ transaction: 'each' });
    expect(await relkind(ds)).toBe('r');
    expect(await snapshot(ds)).toEqual(converted);
    expect(await ds.query(`SELECT to_regclass('inspection_keys') AS t`)).toEqual([{ t: null }]);
    await expectConstraintsEnforced();

    // and up once more, for the next tests
    expect(await migrateUp(ds)).toEqual(['PartitionedInspections1764936000000']);
  });

  it("creates a day's partition, moving that day's rows out of DEFAULT without firing row triggers", async () => {
    const day = '2031-03-04';
    await ds.query(`SELECT drop_inspection_partition($1::date)`, [day]);
    const rows: { id: string }[] = await ds.query(
      `INSERT INTO inspections (line_id, camera_id, idempotency_key, image_key, image_sha256, image_bytes, width,
                                height, format, received_at)
       VALUES ($1, $2, 'future-key', $3, repeat('c', 64), 10, 1, 1, 'png', '2031-03-04T10:00:00Z') RETURNING id`,
      [lineId, cameraId, `images/${randomUUID()}.png`],
    );
    expect(await ds.query(`SELECT count(*)::int AS n FROM inspections_default`)).toEqual([{ n: 1 }]);
    const events: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM events`);

    expect(await ds.query(`SELECT create_inspection_partition($1::date) AS p`, [day])).toEqual([
      { p: 'inspections_p20310304' },
    ]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM inspections_default`)).toEqual([{ n: 0 }]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM inspections_p20310304`)).toEqual([{ n: 1 }]);
    // Its indexes are named after the table's, so plans name the index they use.
    const indexes: { indexname: string }[] = await ds.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'inspections_p20310304' ORDER BY 1`,
    );
    expect(indexes.map((row) => row.indexname)).toEqual(
      expect.arrayContaining(['inspections_line_dashboard_p20310304', 'inspections_pkey_p20310304']),
    );
    expect(indexes.every((row) => row.indexname.endsWith('_p20310304'))).toBe(true);
    expect(await ds.query(`SELECT count(*)::int AS n FROM events`)).toEqual(events);
    expect(await ds.query(`SELECT id FROM inspections WHERE idempotency_key = 'future-key'`)).toEqual([
      { id: rows[0].id },
    ]);
    // Triggers were attached with the partition: the key is still unique, and a new row emits its event.
    const duplicate = await sqlError(
      ds.query(
        `INSERT INTO inspections (line_id, camera_id, idempotency_key, image_key, image_sha256, image_bytes, width,
                                  height, format, received_at)
         VALUES ($1, $2, 'future-key', $3, repeat('c', 64), 10, 1, 1, 'png', '2031-03-04T11:00:00Z')`,
        [lineId, cameraId, `images/${randomUUID()}.png`],
      ),
    );
    expect(duplicate).toMatchObject({ code: '23505', constraint: 'inspections_idempotency' });
  });

  it('keeps keys and references when an update moves a row to another day', async () => {
    const claimer = await seedUser(ds, 'qa');
    await ds.query(
      `INSERT INTO review_claims (inspection_id, user_id, expires_at) VALUES ($1, $2, now() + interval '5 minutes')`,
      [reviewedId, claimer],
    );
    await ds.query(`UPDATE inspections SET received_at = received_at - interval '1 day' WHERE id = $1`, [
      reviewedId,
    ]);
    await ds.query(`UPDATE inspections SET received_at = received_at + interval '1 day' WHERE id = $1`, [
      reviewedId,
    ]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM inspections WHERE id = $1`, [reviewedId])).toEqual([
      { n: 1 },
    ]);
    const keys: { same: boolean }[] = await ds.query(
      `SELECT k.received_at = i.received_at AS same FROM inspection_keys k JOIN inspections i USING (id)
        WHERE k.id = $1`,
      [reviewedId],
    );
    expect(keys).toEqual([{ same: true }]);
    expect(
      await ds.query(`SELECT count(*)::int AS n FROM review_claims WHERE inspection_id = $1`, [reviewedId]),
    ).toEqual([{ n: 1 }]);
    await ds.query(`DELETE FROM review_claims WHERE inspection_id = $1`, [reviewedId]);
    // A second row with a taken id is refused even on another day.
    const copy = await sqlError(
      ds.query(
        `INSERT INTO inspections (id, line_id, camera_id, image_key, image_sha256, image_bytes, width, height, format,
                                  received_at)
         VALUES ($1, $2, $3, $4, repeat('d', 64), 10, 1, 1, 'png', now() - interval '20 days')`,
        [reviewedId, lineId, cameraId, `images/${randomUUID()}.png`],
      ),
    );
    expect(copy).toMatchObject({ code: '23505', constraint: 'inspections_pkey' });
  });

  it('drops a day only when none of its rows is reviewed or in a label set', async () => {
    const dayOf = async (id: string): Promise<string> => {
      const rows: { day: string }[] = await ds.query(
        `SELECT to_char((received_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day FROM inspections WHERE id = $1`,
        [id],
      );
      return rows[0].day;
    };
    // Reviewed (and in a label set); two years old and in a label set.
    for (const id of [reviewedId, ids[4]])
      expect(await ds.query(`SELECT drop_inspection_partition($1::date) AS r`, [await dayOf(id)])).toEqual([
        { r: 'kept' },
      ]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM inspections`)).toEqual([{ n: 7 }]);

    // Two days old, alone on its day, claimed by a reviewer but not reviewed: dropped, with its key and claim.
    expect(await ds.query(`SELECT drop_inspection_partition($1::date) AS r`, [await dayOf(ids[2])])).toEqual([
      { r: 'dropped' },
    ]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM inspections`)).toEqual([{ n: 6 }]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM inspection_keys WHERE id = $1`, [ids[2]])).toEqual([
      { n: 0 },
    ]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM review_claims`)).toEqual([{ n: 0 }]);
    expect(
      await ds.query(`SELECT to_regclass($1) AS t`, [
        `inspections_p${(await dayOf(ids[0])).replace(/-/g, '')}`,
      ]),
    ).not.toEqual([{ t: null }]);
    expect(await ds.query(`SELECT drop_inspection_partition('2001-01-01'::date) AS r`)).toEqual([
      { r: 'absent' },
    ]);
  });
});
