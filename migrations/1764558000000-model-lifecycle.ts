import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Model lifecycle: a promotion history (so a rollback knows what served before) and shadow evaluation
 * (a candidate scores live traffic beside production; its answers are recorded, never returned).
 */
export class ModelLifecycle1764558000000 implements MigrationInterface {
  name = 'ModelLifecycle1764558000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE model_versions ADD COLUMN shadow boolean NOT NULL DEFAULT false`);
    await db.query(`
      CREATE TABLE model_promotions (
        id bigserial PRIMARY KEY,
        model_version_id uuid NOT NULL REFERENCES model_versions (id),
        previous_version_id uuid REFERENCES model_versions (id),
        kind text NOT NULL CHECK (kind IN ('promote', 'rollback')),
        actor_id uuid REFERENCES users (id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE shadow_results (
        inspection_id uuid NOT NULL REFERENCES inspections (id),
        model_version_id uuid NOT NULL REFERENCES model_versions (id),
        verdict verdict NOT NULL,
        score double precision NOT NULL,
        production_model_version_id uuid NOT NULL REFERENCES model_versions (id),
        production_verdict verdict NOT NULL,
        production_score double precision NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (inspection_id, model_version_id)
      )`);
    await db.query(`CREATE INDEX shadow_results_model ON shadow_results (model_version_id, created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE shadow_results`);
    await db.query(`DROP TABLE model_promotions`);
    await db.query(`ALTER TABLE model_versions DROP COLUMN shadow`);
  }
}
