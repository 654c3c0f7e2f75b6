import { type UserPrincipal } from '../auth/principals';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { seedModelVersion, seedUser } from '../../../../test/support/seed';
import { ModelLifecycleService } from './model-lifecycle.service';

describe('ModelLifecycleService (real PostgreSQL)', () => {
  let bed: ServiceTestBed;
  let service: ModelLifecycleService;
  let actor: UserPrincipal;

  beforeAll(async () => {
    bed = await createServiceTestBed([ModelLifecycleService]);
    service = bed.get(ModelLifecycleService);
    actor = { kind: 'user', userId: await seedUser(bed.dataSource), role: 'ml_engineer' };
  });
  afterAll(() => bed.close());
  beforeEach(async () => {
    // Each test starts with nothing in production.
    await bed.dataSource.query(`UPDATE model_versions SET stage = 'archived' WHERE stage = 'production'`);
  });

  const stages = async () =>
    Object.fromEntries(
      (
        await bed.dataSource.query<
          {
            id: string;
            stage: string;
          }[]
        >(`SELECT id, stage FROM model_versions`)
      ).map((row) => [row.id, row.stage]),
    );

  it('promotes a candidate, archives the version it replaces, and records both in history and audit', async () => {
    const first = await seedModelVersion(bed.dataSource);
    const second = await seedModelVersion(bed.dataSource, { shadow: true });
    await service.promote(first, 'a reason', actor);
    const promoted = await service.promote(second, 'a reason', actor);

    expect(promoted).toMatchObject({ id: second, stage: 'production', shadow: false });
    expect((await stages())[first]).toBe('archived');
    const history = await bed.dataSource.query(
      `SELECT previous_version_id FROM model_promotions WHERE model_version_id = $1`,
      [second],
    );
    expect(history).toEqual([{ previous_version_id: first }]);
    const audit = await bed.dataSource.query(
      `SELECT action, details FROM audit_events WHERE target_id = $1 ORDER BY created_at`,
      [second],
    );
    expect(audit).toEqual([{ action: 'model.promote', details: { previous: first, reason: 'a reason' } }]);
  });

  it('refuses to promote the version already in production, and changes nothing', async () => {
    const current = await seedModelVersion(bed.dataSource);
    await service.promote(current, 'a reason', actor);
    const before = await bed.dataSource.query(`SELECT count(*)::int AS n FROM model_promotions`);
    expect(await apiErrorOf(service.promote(current, 'a reason', actor))).toMatchObject({
      status: 409,
      error: 'already_in_production',
    });
    expect(await bed.dataSource.query(`SELECT count(*)::int AS n FROM model_promotions`)).toEqual(before);
  });

  it('rolls back to the version production replaced, and refuses when nothing served before', async () => {
    const lonely = await seedModelVersion(bed.dataSource);
    await service.promote(lonely, 'a reason', actor);
    // The first production version replaced nothing: there is nowhere to roll back to.
    expect(await apiErrorOf(service.rollback('a reason', actor))).toMatchObject({
      status: 409,
      error: 'nothing_to_roll_back',
    });

    const next = await seedModelVersion(bed.dataSource);
    await service.promote(next, 'a reason', actor);
    const restored = await service.rollback('a reason', actor);
    expect(restored).toMatchObject({ id: lonely, stage: 'production' });
    expect((await stages())[next]).toBe('archived');
  });

  it('refuses a rollback when no version is in production', async () => {
    expect(await apiErrorOf(service.rollback('a reason', actor))).toMatchObject({
      status: 409,
      error: 'nothing_to_roll_back',
    });
  });

  it('refuses a quantised variant that lost too much accuracy or was never measured', async () => {
    const lossy = await seedModelVersion(bed.dataSource, {
      metrics: { quantization: { variant: 'int8', accuracyChangePoints: -0.6 } },
    });
    const unmeasured = await seedModelVersion(bed.dataSource, {
      metrics: { quantization: { variant: 'int8' } },
    });
    const fine = await seedModelVersion(bed.dataSource, {
      metrics: { quantization: { variant: 'int8', accuracyChangePoints: -0.5 } },
    });
    expect(await apiErrorOf(service.promote(lossy, 'a reason', actor))).toMatchObject({
      error: 'quantization_accuracy_drop',
    });
    expect(await apiErrorOf(service.promote(unmeasured, 'a reason', actor))).toMatchObject({
      error: 'quantization_unmeasured',
    });
    // Exactly the allowed drop (0.5 points by default) passes.
    expect(await service.promote(fine, 'a reason', actor)).toMatchObject({ stage: 'production' });
    expect((await stages())[lossy]).toBe('candidate');
  });

  it('does not let the production version shadow itself; a candidate starts and stops shadowing', async () => {
    const production = await seedModelVersion(bed.dataSource);
    await service.promote(production, 'a reason', actor);
    expect(await apiErrorOf(service.setShadow(production, true, actor))).toMatchObject({
      error: 'already_in_production',
    });
    const candidate = await seedModelVersion(bed.dataSource);
    expect(await service.setShadow(candidate, true, actor)).toMatchObject({ shadow: true });
    expect((await service.get(candidate)).shadow).toBe(true);
    expect(await service.setShadow(candidate, false, actor)).toMatchObject({ shadow: false });
  });

  it('answers 404 for a version that does not exist', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expect(await apiErrorOf(service.get(missing))).toMatchObject({ status: 404, error: 'model_not_found' });
    expect(await apiErrorOf(service.promote(missing, 'a reason', actor))).toMatchObject({ status: 404 });
  });

  it('counts shadow agreement per verdict pair', async () => {
    const production = await seedModelVersion(bed.dataSource);
    const shadow = await seedModelVersion(bed.dataSource, { shadow: true });
    const line = (
      await bed.dataSource.query(`INSERT INTO production_lines (name) VALUES ('shadow-line') RETURNING id`)
    )[0].id;
    const camera = (
      await bed.dataSource.query(`INSERT INTO cameras (line_id, name) VALUES ($1, 'c') RETURNING id`, [line])
    )[0].id;
    const pairs: [string, string][] = [
      ['ok', 'ok'],
      ['ok', 'defect'],
      ['defect', 'defect'],
    ];
    for (const [index, [productionVerdict, verdict]] of pairs.entries()) {
      const inspection = (
        await bed.dataSource.query(
          `INSERT INTO inspections (line_id, camera_id, image_key, image_sha256, image_bytes, width, height, format)
           VALUES ($1, $2, $3, repeat('a', 64), 1, 1, 1, 'png') RETURNING id`,
          [line, camera, `images/shadow-${index}.png`],
        )
      )[0].id;
      await bed.dataSource.query(
        `INSERT INTO shadow_results (inspection_id, model_version_id, verdict, score, production_model_version_id,
                                     production_verdict, production_score) VALUES ($1, $2, $3, 0.5, $4, $5, 0.4)`,
        [inspection, shadow, verdict, production, productionVerdict],
      );
    }
    const report = await service.shadowReport(shadow);
    expect(report).toMatchObject({ total: 3, agreements: 2, agreementRate: 2 / 3 });
    expect(report.counts.ok).toEqual({ ok: 1, defect: 1, uncertain: 0 });
    expect(report.recentDisagreements).toEqual([
      expect.objectContaining({
        productionVerdict: 'ok',
        verdict: 'defect',
        score: 0.5,
        productionScore: 0.4,
      }),
    ]);
  });
});
