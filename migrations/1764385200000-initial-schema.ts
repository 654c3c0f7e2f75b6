import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The product's first schema. Append-only tables (reviews, audit events) are enforced by a trigger,
 * so no code path, present or future, can rewrite history.
 */
export class InitialSchema1764385200000 implements MigrationInterface {
  name = 'InitialSchema1764385200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TYPE user_role AS ENUM ('qa', 'ml_engineer', 'admin')`);
    await db.query(`CREATE TYPE verdict_mode AS ENUM ('sync', 'async')`);
    await db.query(`CREATE TYPE inspection_status AS ENUM ('pending', 'scored', 'failed')`);
    await db.query(`CREATE TYPE verdict AS ENUM ('ok', 'defect', 'uncertain')`);
    await db.query(`CREATE TYPE review_decision AS ENUM ('ok', 'defect')`);
    await db.query(`CREATE TYPE model_stage AS ENUM ('candidate', 'production', 'archived')`);
    await db.query(
      `CREATE TYPE training_job_status AS ENUM ('queued', 'running', 'succeeded', 'failed', 'cancelled')`,
    );
    await db.query(`CREATE TYPE actor_type AS ENUM ('user', 'camera', 'system')`);

    await db.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        display_name text NOT NULL,
        role user_role NOT NULL,
        password_hash text,
        disabled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);

    await db.query(`
      CREATE TABLE model_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        version integer NOT NULL,
        architecture text NOT NULL,
        spec jsonb NOT NULL,
        input_height integer NOT NULL CHECK (input_height > 0),
        input_width integer NOT NULL CHECK (input_width > 0),
        class_names jsonb NOT NULL,
        preprocessing jsonb NOT NULL,
        config jsonb NOT NULL DEFAULT '{}',
        metrics jsonb NOT NULL DEFAULT '{}',
        operating_threshold double precision,
        uncertain_low double precision,
        uncertain_high double precision,
        artifact_key text NOT NULL,
        onnx_key text,
        stage model_stage NOT NULL DEFAULT 'candidate',
        teacher_id uuid REFERENCES model_versions (id),
        training_job_id uuid,
        dataset_fingerprint text,
        promoted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (name, version),
        CHECK (uncertain_low IS NULL OR uncertain_high IS NULL OR uncertain_low <= uncertain_high)
      )`);
    // At most one version serves production at a time; per-line overrides live on production_lines.
    await db.query(
      `CREATE UNIQUE INDEX model_versions_one_production ON model_versions (stage) WHERE stage = 'production'`,
    );

    await db.query(`
      CREATE TABLE production_lines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        description text NOT NULL DEFAULT '',
        verdict_mode verdict_mode NOT NULL DEFAULT 'sync',
        verdict_deadline_ms integer NOT NULL DEFAULT 200 CHECK (verdict_deadline_ms > 0),
        operating_threshold double precision,
        uncertain_low double precision,
        uncertain_high double precision,
        model_version_id uuid REFERENCES model_versions (id),
        webhook_url text,
        webhook_secret text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE cameras (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        line_id uuid NOT NULL REFERENCES production_lines (id),
        name text NOT NULL,
        rate_limit_per_second double precision,
        last_seen_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (line_id, name)
      )`);

    await db.query(`
      CREATE TABLE camera_api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        camera_id uuid NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
        key_prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await db.query(`CREATE INDEX camera_api_keys_camera ON camera_api_keys (camera_id)`);

    await db.query(`
      CREATE TABLE inspections (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        line_id uuid NOT NULL REFERENCES production_lines (id),
        camera_id uuid NOT NULL REFERENCES cameras (id),
        product_serial text,
        idempotency_key text,
        image_key text NOT NULL UNIQUE,
        image_sha256 char(64) NOT NULL,
        image_bytes integer NOT NULL CHECK (image_bytes > 0),
        width integer NOT NULL CHECK (width > 0),
        height integer NOT NULL CHECK (height > 0),
        format text NOT NULL,
        captured_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now(),
        status inspection_status NOT NULL DEFAULT 'pending',
        verdict verdict,
        score double precision,
        probabilities jsonb,
        model_version_id uuid REFERENCES model_versions (id),
        latency jsonb,
        heatmap_key text,
        failure_reason text,
        scored_at timestamptz,
        CHECK (status <> 'scored' OR (verdict IS NOT NULL AND score IS NOT NULL AND model_version_id IS NOT NULL))
      )`);
    await db.query(
      `CREATE UNIQUE INDEX inspections_idempotency ON inspections (camera_id, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await db.query(
      `CREATE INDEX inspections_line_received ON inspections (line_id, received_at DESC, id DESC)`,
    );
    await db.query(
      `CREATE INDEX inspections_camera_received ON inspections (camera_id, received_at DESC, id DESC)`,
    );
    await db.query(`CREATE INDEX inspections_received ON inspections (received_at DESC, id DESC)`);
    await db.query(`CREATE INDEX inspections_pending ON inspections (received_at) WHERE status = 'pending'`);

    await db.query(`
      CREATE TABLE reviews (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        inspection_id uuid NOT NULL REFERENCES inspections (id),
        reviewer_id uuid NOT NULL REFERENCES users (id),
        decision review_decision NOT NULL,
        defect_type text,
        note text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (decision = 'defect' OR defect_type IS NULL)
      )`);
    await db.query(`CREATE INDEX reviews_inspection ON reviews (inspection_id, created_at DESC)`);

    await db.query(`
      CREATE TABLE label_sets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        task text NOT NULL,
        source jsonb NOT NULL,
        class_names jsonb NOT NULL,
        item_count integer NOT NULL DEFAULT 0,
        fingerprint text,
        created_by uuid REFERENCES users (id),
        frozen_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE label_set_items (
        label_set_id uuid NOT NULL REFERENCES label_sets (id) ON DELETE CASCADE,
        inspection_id uuid NOT NULL REFERENCES inspections (id),
        review_id uuid REFERENCES reviews (id),
        label text NOT NULL,
        PRIMARY KEY (label_set_id, inspection_id)
      )`);

    await db.query(`
      CREATE TABLE training_jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status training_job_status NOT NULL DEFAULT 'queued',
        config jsonb NOT NULL,
        label_set_id uuid REFERENCES label_sets (id),
        teacher_id uuid REFERENCES model_versions (id),
        progress jsonb NOT NULL DEFAULT '{}',
        checklist jsonb NOT NULL DEFAULT '[]',
        log text NOT NULL DEFAULT '',
        checkpoint_key text,
        model_version_id uuid REFERENCES model_versions (id),
        error text,
        attempt integer NOT NULL DEFAULT 0,
        created_by uuid REFERENCES users (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX training_jobs_status ON training_jobs (status, created_at DESC)`);
    await db.query(`
      ALTER TABLE model_versions
        ADD CONSTRAINT model_versions_training_job_fk FOREIGN KEY (training_job_id) REFERENCES training_jobs (id)`);

    await db.query(`
      CREATE TABLE training_epochs (
        training_job_id uuid NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
        epoch integer NOT NULL CHECK (epoch >= 0),
        metrics jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (training_job_id, epoch)
      )`);

    await db.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        actor_type actor_type NOT NULL,
        actor_id text,
        action text NOT NULL,
        target_type text,
        target_id text,
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(
      `CREATE INDEX audit_events_target ON audit_events (target_type, target_id, created_at DESC)`,
    );

    await db.query(`
      CREATE FUNCTION forbid_history_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
      END $$`);
    for (const table of ['reviews', 'audit_events']) {
      await db.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION forbid_history_rewrite()`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE model_versions DROP CONSTRAINT model_versions_training_job_fk`);
    for (const table of [
      'audit_events',
      'training_epochs',
      'training_jobs',
      'label_set_items',
      'label_sets',
      'reviews',
      'inspections',
      'camera_api_keys',
      'cameras',
      'production_lines',
      'model_versions',
      'users',
    ]) {
      await db.query(`DROP TABLE ${table}`);
    }
    await db.query(`DROP FUNCTION forbid_history_rewrite()`);
    for (const type of [
      'actor_type',
      'training_job_status',
      'model_stage',
      'review_decision',
      'verdict',
      'inspection_status',
      'verdict_mode',
      'user_role',
    ]) {
      await db.query(`DROP TYPE ${type}`);
    }
  }
}
