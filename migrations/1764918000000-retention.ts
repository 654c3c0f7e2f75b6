import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Retention: per-line overrides of how many days an image is kept (null: the product-wide default), and the mark
 * a purged image leaves on its row (verdict, score and reviews stay). The retention job scans each line's
 * unpurged rows oldest first through `inspections_retention_scan`; whether a frozen label set holds an image is
 * asked by inspection, which the label-set items' primary key (label set first) cannot answer.
 */
export class Retention1764918000000 implements MigrationInterface {
  name = 'Retention1764918000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE production_lines
        ADD COLUMN retain_ok_days integer CHECK (retain_ok_days > 0),
        ADD COLUMN retain_flagged_days integer CHECK (retain_flagged_days > 0),
        ADD COLUMN retain_reviewed_days integer CHECK (retain_reviewed_days > 0)`);
    await db.query(`ALTER TABLE inspections ADD COLUMN image_purged_at timestamptz`);
    await db.query(`
      CREATE INDEX inspections_retention_scan ON inspections (line_id, received_at, id)
        WHERE image_purged_at IS NULL`);
    await db.query(`CREATE INDEX label_set_items_inspection ON label_set_items (inspection_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX label_set_items_inspection`);
    await db.query(`DROP INDEX inspections_retention_scan`);
    await db.query(`ALTER TABLE inspections DROP COLUMN image_purged_at`);
    await db.query(`
      ALTER TABLE production_lines
        DROP COLUMN retain_reviewed_days,
        DROP COLUMN retain_flagged_days,
        DROP COLUMN retain_ok_days`);
  }
}
