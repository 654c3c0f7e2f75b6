import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Administration: when each person last signed in, a password an administrator reset (temporary, to be changed
 * at the next sign-in), and the indexes the audit-log listing reads through. The log is listed newest first by
 * id (a bigserial: insertion order, exact, where `created_at` is the transaction's start and only as precise as
 * microseconds), filtered by actor, action or target, or a time range on `created_at`.
 */
export class Administration1764910800000 implements MigrationInterface {
  name = 'Administration1764910800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE users ADD COLUMN last_sign_in_at timestamptz`);
    await db.query(`ALTER TABLE users ADD COLUMN password_must_change boolean NOT NULL DEFAULT false`);
    await db.query(`CREATE INDEX audit_events_created ON audit_events (created_at)`);
    await db.query(`CREATE INDEX audit_events_actor ON audit_events (actor_id, id DESC)`);
    await db.query(`CREATE INDEX audit_events_action ON audit_events (action, id DESC)`);
    await db.query(`CREATE INDEX audit_events_target_id ON audit_events (target_type, target_id, id DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX audit_events_target_id`);
    await db.query(`DROP INDEX audit_events_action`);
    await db.query(`DROP INDEX audit_events_actor`);
    await db.query(`DROP INDEX audit_events_created`);
    await db.query(`ALTER TABLE users DROP COLUMN password_must_change`);
    await db.query(`ALTER TABLE users DROP COLUMN last_sign_in_at`);
  }
}
