import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The model pages' data: each version's detailed evaluation on its test split (report, per-class figures, ROC and
 * PR curves, calibration bins, operating point), a `shadow` event per shadow result so agreement can be watched
 * live, and the `model` event also when shadow scoring starts or stops.
 */
export class ModelArtefacts1764907200000 implements MigrationInterface {
  name = 'ModelArtefacts1764907200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE model_versions ADD COLUMN evaluation jsonb`);

    await db.query(`
      CREATE FUNCTION shadow_result_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM emit_event('shadow', jsonb_build_object(
          'modelVersionId', NEW.model_version_id, 'inspectionId', NEW.inspection_id,
          'verdict', NEW.verdict, 'productionVerdict', NEW.production_verdict,
          'agree', NEW.verdict = NEW.production_verdict), 'training');
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER shadow_results_event AFTER INSERT ON shadow_results
      FOR EACH ROW EXECUTE FUNCTION shadow_result_event()`);

    await db.query(`
      CREATE OR REPLACE FUNCTION model_version_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.stage IS DISTINCT FROM OLD.stage OR NEW.shadow IS DISTINCT FROM OLD.shadow THEN
          PERFORM emit_event('model', jsonb_build_object(
            'modelVersionId', NEW.id, 'stage', NEW.stage, 'shadow', NEW.shadow));
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`DROP TRIGGER model_versions_event ON model_versions`);
    await db.query(`
      CREATE TRIGGER model_versions_event AFTER INSERT OR UPDATE OF stage, shadow ON model_versions
      FOR EACH ROW EXECUTE FUNCTION model_version_event()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER model_versions_event ON model_versions`);
    await db.query(`
      CREATE OR REPLACE FUNCTION model_version_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.stage IS DISTINCT FROM OLD.stage THEN
          PERFORM emit_event('model', jsonb_build_object('modelVersionId', NEW.id, 'stage', NEW.stage));
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER model_versions_event AFTER INSERT OR UPDATE OF stage ON model_versions
      FOR EACH ROW EXECUTE FUNCTION model_version_event()`);
    await db.query(`DROP TRIGGER shadow_results_event ON shadow_results`);
    await db.query(`DROP FUNCTION shadow_result_event()`);
    await db.query(`ALTER TABLE model_versions DROP COLUMN evaluation`);
  }
}
