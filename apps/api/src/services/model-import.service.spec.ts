import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type UserPrincipal } from '../auth/principals';
import { type ImportModelDto } from '../dtos/model.dto';
import { ApiError } from '../errors/api-error';
import { createServiceTestBed, type ServiceTestBed } from '../../../../test/support/service-testing';
import { exampleManifest, writeManifestFolder } from '../../../../test/support/model-folder';
import { seedUser } from '../../../../test/support/seed';
import { TrainingDataRepository } from '../repositories/training-data.repository';
import { ModelImportService } from './model-import.service';
import { TrainingCatalogService } from './training-catalog.service';

describe('ModelImportService (real PostgreSQL and job queue)', () => {
  let bed: ServiceTestBed;
  let service: ModelImportService;
  let engineer: UserPrincipal;
  let qa: UserPrincipal;
  let root: string;
  let outside: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'ls-import-root-'));
    outside = await mkdtemp(path.join(tmpdir(), 'ls-import-outside-'));
    await writeManifestFolder(path.join(root, 'runs', 'objects', 'models', 'tiles'));
    await writeManifestFolder(path.join(outside, 'elsewhere'));
    bed = await createServiceTestBed([ModelImportService, TrainingCatalogService, TrainingDataRepository], {
      env: { TRAINING_DATA_ROOTS: root },
      queue: true,
    });
    service = bed.get(ModelImportService);
    engineer = { kind: 'user', userId: await seedUser(bed.dataSource), role: 'ml_engineer' };
    qa = { kind: 'user', userId: await seedUser(bed.dataSource, 'qa'), role: 'qa' };
  });
  afterAll(async () => {
    await bed.close();
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  const counts = async () => {
    const [row]: { jobs: number; queued: number; audits: number }[] = await bed.dataSource.query(
      `SELECT (SELECT count(*)::int FROM training_jobs) AS jobs,
              (SELECT count(*)::int FROM pgboss.job WHERE name = 'train-model') AS queued,
              (SELECT count(*)::int FROM audit_events WHERE action = 'model.import') AS audits`,
    );
    return row;
  };
  /** The refusal's status, code and message; and that nothing was written. */
  const refused = async (input: ImportModelDto, actor: UserPrincipal = engineer) => {
    const before = await counts();
    const error = await service.importModel(input, actor).then(
      () => new Error('imported'),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(await counts()).toEqual(before);
    const body = (error as ApiError).getResponse() as { statusCode: number; error: string; message: string };
    return { status: body.statusCode, error: body.error, message: body.message };
  };

  it('queues an import job with its trainer job and its audit event, the folder resolved', async () => {
    const before = await counts();
    const job = await service.importModel({ path: 'runs/objects/models/tiles', name: 'tiles-cli' }, engineer);
    const real = path.join(await realpath(root), 'runs');
    expect(job).toMatchObject({
      status: 'queued',
      config: {
        import: { path: path.join(real, 'objects', 'models', 'tiles') },
        training: { name: 'tiles-cli' },
      },
    });
    expect(await counts()).toEqual({
      jobs: before.jobs + 1,
      queued: before.queued + 1,
      audits: before.audits + 1,
    });
    const sent: unknown[] = await bed.dataSource.query(
      `SELECT 1 FROM pgboss.job WHERE name = 'train-model' AND data->>'trainingJobId' = $1`,
      [job.id],
    );
    expect(sent).toHaveLength(1);
    const [audit]: { actor_id: string; details: Record<string, unknown> }[] = await bed.dataSource.query(
      `SELECT actor_id, details FROM audit_events WHERE action = 'model.import' AND target_id = $1`,
      [job.id],
    );
    expect(audit).toMatchObject({
      actor_id: engineer.userId,
      details: { name: 'tiles-cli', architecture: 'resnet', digestsRecorded: false },
    });
  });

  it('refuses a QA person', async () => {
    expect(await refused({ path: 'runs/objects/models/tiles', name: 'x' }, qa)).toMatchObject({
      status: 403,
      error: 'forbidden',
    });
  });

  it('takes folders only inside the training roots, symbolic links judged by where they lead', async () => {
    expect(await refused({ path: path.join(outside, 'elsewhere'), name: 'x' })).toMatchObject({
      status: 400,
      error: 'model_outside_roots',
    });
    expect(
      await refused({ path: path.join('..', path.basename(outside), 'elsewhere'), name: 'x' }),
    ).toMatchObject({ status: 400, error: 'model_outside_roots' });
    await symlink(path.join(outside, 'elsewhere'), path.join(root, 'link-out'));
    expect(await refused({ path: 'link-out', name: 'x' })).toMatchObject({
      status: 400,
      error: 'model_outside_roots',
    });
    expect(await refused({ path: 'runs/objects/models/absent', name: 'x' })).toMatchObject({
      status: 400,
      error: 'model_not_found',
    });
  });

  it('refuses a folder without a manifest, or with an invalid one, saying why', async () => {
    await mkdir(path.join(root, 'empty'));
    const missing = await refused({ path: 'empty', name: 'x' });
    expect(missing).toMatchObject({ status: 400, error: 'invalid_model_folder' });
    expect(missing.message).toContain('manifest.json is missing');

    await writeManifestFolder(path.join(root, 'garbled'), '{"schemaVersion": 1,');
    expect((await refused({ path: 'garbled', name: 'x' })).message).toContain('not valid JSON');

    await writeManifestFolder(
      path.join(root, 'mismatched'),
      exampleManifest({ positiveClasses: ['scratch'] }),
    );
    const invalid = await refused({ path: 'mismatched', name: 'x' });
    expect(invalid).toMatchObject({ status: 400, error: 'invalid_model_folder' });
    expect(invalid.message).toContain('"scratch" is not one of classNames');
  });
});
