import { type MigrationInterface, type QueryRunner } from 'typeorm';

const ORIGINAL_FUNCTION = `
  CREATE OR REPLACE FUNCTION training_job_event() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status
       OR (NEW.progress ->> 'epoch') IS DISTINCT FROM (OLD.progress ->> 'epoch') THEN
      PERFORM emit_event('training', jsonb_build_object(
        'jobId', NEW.id, 'status', NEW.status,
        'epoch', (NEW.progress -> 'epoch'), 'epochs', (NEW.progress -> 'epochs')), 'training');
    END IF;
    RETURN NULL;
  END $$`;

/**
 * The console's live training view follows the event stream: a training event now goes out whenever the job's
 * progress changes (the trainer writes it at most every 2 s), carrying the progress itself (step, loss, accuracy,
 * learning rate, images/s, percent, ETA), and whenever a checklist finding is added; epoch events carry it too.
 */
export class TrainingProgressEvents1764903600000 implements MigrationInterface {
  name = 'TrainingProgressEvents1764903600000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION training_job_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status
           OR NEW.progress IS DISTINCT FROM OLD.progress
           OR jsonb_array_length(NEW.checklist) IS DISTINCT FROM jsonb_array_length(OLD.checklist) THEN
          PERFORM emit_event('training', jsonb_build_object(
            'jobId', NEW.id, 'status', NEW.status,
            'epoch', (NEW.progress -> 'epoch'), 'epochs', (NEW.progress -> 'epochs'),
            'progress', NEW.progress, 'findings', jsonb_array_length(NEW.checklist)), 'training');
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE OR REPLACE FUNCTION training_epoch_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM emit_event('training', jsonb_build_object(
          'jobId', j.id, 'status', j.status, 'epoch', NEW.epoch, 'epochs', (j.progress -> 'epochs'),
          'progress', j.progress, 'findings', jsonb_array_length(j.checklist)), 'training')
          FROM training_jobs j WHERE j.id = NEW.training_job_id;
        RETURN NULL;
      END $$`);
    await db.query(`DROP TRIGGER training_jobs_event ON training_jobs`);
    await db.query(`
      CREATE TRIGGER training_jobs_event AFTER INSERT OR UPDATE OF status, progress, checklist ON training_jobs
      FOR EACH ROW EXECUTE FUNCTION training_job_event()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(ORIGINAL_FUNCTION);
    await db.query(`
      CREATE OR REPLACE FUNCTION training_epoch_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM emit_event('training', jsonb_build_object(
          'jobId', j.id, 'status', j.status, 'epoch', NEW.epoch, 'epochs', (j.progress -> 'epochs')), 'training')
          FROM training_jobs j WHERE j.id = NEW.training_job_id;
        RETURN NULL;
      END $$`);
    await db.query(`DROP TRIGGER training_jobs_event ON training_jobs`);
    await db.query(`
      CREATE TRIGGER training_jobs_event AFTER INSERT OR UPDATE OF status, progress ON training_jobs
      FOR EACH ROW EXECUTE FUNCTION training_job_event()`);
  }
}
