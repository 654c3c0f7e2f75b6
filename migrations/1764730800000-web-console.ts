import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The web console's schema: cookie sessions and login attempts, review claims, the line's defect types, a live
 * event log fed by triggers, and the indexes the review queue, the filtered list and the dashboards read through.
 *
 * Index choices (inspections grows by millions of rows a year; every console read must stay an index range scan):
 * - `review_count` is kept by a trigger on reviews (append-only, so inserts only). It gives `reviewCount` without
 *   a join and makes "needs review" (verdict uncertain/defect, no review) a predicate on the row itself, so it can
 *   be the condition of partial indexes that hold only the backlog — small however old the table gets:
 *   - `inspections_review_queue (verdict DESC, received_at, id)`: the claim order. The verdict enum is declared
 *     ('ok','defect','uncertain'), so `verdict DESC` is uncertain first, then defect, oldest first within each.
 *   - `inspections_needs_review (received_at DESC, id DESC)`: `GET /inspections?needsReview=true`, newest first.
 * - `inspections_model_received (model_version_id, received_at DESC, id DESC)`: the list filtered by model.
 * - `total_ms`, a stored generated column (`latency->>'totalMs'`), and `inspections_line_dashboard (line_id,
 *   received_at) INCLUDE (camera_id, status, verdict, review_count, total_ms)`: the dashboard aggregates (counts,
 *   rates, backlog, percentile_cont of the latency, per bucket and per camera) run as index-only scans of one
 *   line's time range; the overview runs one such scan per line (LATERAL).
 * - `events (created_at)` for pruning; replay reads by primary key (`id > $lastEventId`).
 */
export class WebConsole1764730800000 implements MigrationInterface {
  name = 'WebConsole1764730800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE user_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await db.query(`CREATE INDEX user_sessions_user ON user_sessions (user_id)`);
    await db.query(`CREATE INDEX user_sessions_expires ON user_sessions (expires_at)`);

    // Failed sign-ins, kept 1 day: the lock-out must hold across API instances, so it lives in the database.
    await db.query(`
      CREATE TABLE login_failures (
        id bigserial PRIMARY KEY,
        email text NOT NULL,
        ip text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX login_failures_email ON login_failures (email, created_at DESC)`);
    await db.query(`CREATE INDEX login_failures_ip ON login_failures (ip, created_at DESC)`);

    await db.query(`
      CREATE TABLE review_claims (
        inspection_id uuid PRIMARY KEY REFERENCES inspections (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        claimed_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX review_claims_user ON review_claims (user_id, expires_at)`);

    await db.query(`ALTER TABLE production_lines ADD COLUMN defect_types jsonb NOT NULL DEFAULT '[]'`);
    await db.query(`ALTER TABLE reviews ADD COLUMN supersedes_review_id uuid REFERENCES reviews (id)`);

    await db.query(`ALTER TABLE inspections ADD COLUMN review_count integer NOT NULL DEFAULT 0`);
    await db.query(`
      ALTER TABLE inspections ADD COLUMN total_ms double precision GENERATED ALWAYS AS (
        CASE WHEN jsonb_typeof(latency -> 'totalMs') = 'number' THEN (latency ->> 'totalMs')::double precision END
      ) STORED`);
    await db.query(`
      UPDATE inspections i SET review_count = r.n
        FROM (SELECT inspection_id, count(*)::int AS n FROM reviews GROUP BY inspection_id) r
       WHERE r.inspection_id = i.id`);
    await db.query(`
      CREATE INDEX inspections_review_queue ON inspections (verdict DESC, received_at, id)
       WHERE review_count = 0 AND verdict IN ('uncertain', 'defect')`);
    await db.query(`
      CREATE INDEX inspections_needs_review ON inspections (received_at DESC, id DESC)
       WHERE review_count = 0 AND verdict IN ('uncertain', 'defect')`);
    await db.query(
      `CREATE INDEX inspections_model_received ON inspections (model_version_id, received_at DESC, id DESC)`,
    );
    await db.query(`
      CREATE INDEX inspections_line_dashboard ON inspections (line_id, received_at)
        INCLUDE (camera_id, status, verdict, review_count, total_ms)`);

    await db.query(`
      CREATE TABLE events (
        id bigserial PRIMARY KEY,
        type text NOT NULL,
        audience text NOT NULL DEFAULT 'all' CHECK (audience IN ('all', 'training')),
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX events_created ON events (created_at)`);

    // Every writer, in any process, is covered: the row change itself records the event and notifies the id and
    // the event (delivered only if the writer's transaction commits).
    await db.query(`
      CREATE FUNCTION emit_event(event_type text, event_data jsonb, event_audience text DEFAULT 'all')
      RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        event_id bigint;
      BEGIN
        INSERT INTO events (type, audience, data) VALUES (event_type, event_audience, event_data)
          RETURNING id INTO event_id;
        PERFORM pg_notify('linescope_events', json_build_object(
          'id', event_id::text, 'type', event_type, 'audience', event_audience, 'data', event_data)::text);
      END $$`);

    await db.query(`
      CREATE FUNCTION inspection_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status OR NEW.verdict IS DISTINCT FROM OLD.verdict THEN
          PERFORM emit_event('inspection', jsonb_build_object(
            'id', NEW.id, 'lineId', NEW.line_id, 'cameraId', NEW.camera_id, 'status', NEW.status,
            'verdict', NEW.verdict, 'score', NEW.score, 'modelVersionId', NEW.model_version_id,
            'receivedAt', NEW.received_at,
            'needsReview', coalesce(NEW.review_count = 0 AND NEW.verdict IN ('uncertain', 'defect'), false)));
        END IF;
        IF NEW.heatmap_key IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.heatmap_key IS NULL) THEN
          PERFORM emit_event('heatmap', jsonb_build_object('inspectionId', NEW.id));
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER inspections_event AFTER INSERT OR UPDATE OF status, verdict, heatmap_key ON inspections
      FOR EACH ROW EXECUTE FUNCTION inspection_event()`);

    await db.query(`
      CREATE FUNCTION review_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE inspections SET review_count = review_count + 1 WHERE id = NEW.inspection_id;
        PERFORM emit_event('review', jsonb_build_object(
          'id', NEW.id, 'inspectionId', NEW.inspection_id, 'decision', NEW.decision,
          'defectType', NEW.defect_type, 'reviewerId', NEW.reviewer_id, 'createdAt', NEW.created_at));
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER reviews_inserted AFTER INSERT ON reviews
      FOR EACH ROW EXECUTE FUNCTION review_inserted()`);

    // Progress is written several times a second while training: an event only when the status or epoch moves.
    await db.query(`
      CREATE FUNCTION training_job_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status
           OR (NEW.progress ->> 'epoch') IS DISTINCT FROM (OLD.progress ->> 'epoch') THEN
          PERFORM emit_event('training', jsonb_build_object(
            'jobId', NEW.id, 'status', NEW.status,
            'epoch', (NEW.progress -> 'epoch'), 'epochs', (NEW.progress -> 'epochs')), 'training');
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER training_jobs_event AFTER INSERT OR UPDATE OF status, progress ON training_jobs
      FOR EACH ROW EXECUTE FUNCTION training_job_event()`);
    await db.query(`
      CREATE FUNCTION training_epoch_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM emit_event('training', jsonb_build_object(
          'jobId', j.id, 'status', j.status, 'epoch', NEW.epoch, 'epochs', (j.progress -> 'epochs')), 'training')
          FROM training_jobs j WHERE j.id = NEW.training_job_id;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER training_epochs_event AFTER INSERT ON training_epochs
      FOR EACH ROW EXECUTE FUNCTION training_epoch_event()`);

    await db.query(`
      CREATE FUNCTION model_version_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.stage IS DISTINCT FROM OLD.stage THEN
          PERFORM emit_event('model', jsonb_build_object('modelVersionId', NEW.id, 'stage', NEW.stage));
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER model_versions_event AFTER INSERT OR UPDATE OF stage ON model_versions
      FOR EACH ROW EXECUTE FUNCTION model_version_event()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER model_versions_event ON model_versions`);
    await db.query(`DROP TRIGGER training_epochs_event ON training_epochs`);
    await db.query(`DROP TRIGGER training_jobs_event ON training_jobs`);
    await db.query(`DROP TRIGGER reviews_inserted ON reviews`);
    await db.query(`DROP TRIGGER inspections_event ON inspections`);
    for (const fn of [
      'model_version_event()',
      'training_epoch_event()',
      'training_job_event()',
      'review_inserted()',
      'inspection_event()',
      'emit_event(text, jsonb, text)',
    ])
      await db.query(`DROP FUNCTION ${fn}`);
    await db.query(`DROP TABLE events`);
    for (const index of [
      'inspections_line_dashboard',
      'inspections_model_received',
      'inspections_needs_review',
      'inspections_review_queue',
    ])
      await db.query(`DROP INDEX ${index}`);
    await db.query(`ALTER TABLE inspections DROP COLUMN total_ms, DROP COLUMN review_count`);
    // reviews is append-only by trigger; dropping a column is DDL and does not fire it.
    await db.query(`ALTER TABLE reviews DROP COLUMN supersedes_review_id`);
    await db.query(`ALTER TABLE production_lines DROP COLUMN defect_types`);
    await db.query(`DROP TABLE review_claims`);
    await db.query(`DROP TABLE login_failures`);
    await db.query(`DROP TABLE user_sessions`);
  }
}
