import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type UserPrincipal } from '../auth/principals';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { seedModelVersion, seedUser } from '../../../../test/support/seed';
import { TrainingDataRepository } from '../repositories/training-data.repository';
import { TrainingCatalogService } from './training-catalog.service';
import { TrainingJobService } from './training-job.service';

const VALID = { model: { arch: 'resnet', depth: 10 }, epochs: 2 };

describe('TrainingJobService (real PostgreSQL and job queue)', () => {
  let bed: ServiceTestBed;
  let service: TrainingJobService;
  let actor: UserPrincipal;
  let root: string;
  let outside: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'ls-training-root-'));
    outside = await mkdtemp(path.join(tmpdir(), 'ls-training-outside-'));
    await mkdir(path.join(root, 'tiles'));
    await mkdir(path.join(root, 'backbones', 'mobilenet'), { recursive: true });
    // A link inside a root that leads out of it.
    await symlink(outside, path.join(root, 'escape'));
    bed = await createServiceTestBed([TrainingJobService, TrainingCatalogService, TrainingDataRepository], {
      env: { TRAINING_DATA_ROOTS: root },
      queue: true,
    });
    service = bed.get(TrainingJobService);
    actor = { kind: 'user', userId: await seedUser(bed.dataSource), role: 'ml_engineer' };
  });
  afterAll(async () => {
    await bed.close();
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  const counts = async () => {
    const [row]: { jobs: number; queued: number }[] = await bed.dataSource.query(
      `SELECT (SELECT count(*)::int FROM training_jobs) AS jobs,
              (SELECT count(*)::int FROM pgboss.job WHERE name = 'train-model') AS queued`,
    );
    return row;
  };

  it('creates a queued job, its train-model job and its audit event together', async () => {
    const before = await counts();
    const job = await service.create({ dataset: { kind: 'reviews' }, config: VALID }, actor);
    expect(job).toMatchObject({ status: 'queued' });
    expect(await counts()).toEqual({ jobs: before.jobs + 1, queued: before.queued + 1 });
    const sent: { data: { trainingJobId: string } }[] = await bed.dataSource.query(
      `SELECT data FROM pgboss.job WHERE name = 'train-model' AND data->>'trainingJobId' = $1`,
      [job.id],
    );
    expect(sent).toHaveLength(1);
    expect(
      await bed.dataSource.query(`SELECT action FROM audit_events WHERE target_id = $1`, [job.id]),
    ).toEqual([{ action: 'training.create' }]);
  });

  it('trains on a label set frozen before, named at creation, and refuses an unknown or misplaced one', async () => {
    const [set]: { id: string }[] = await bed.dataSource.query(
      `INSERT INTO label_sets (name, task, source, class_names, frozen_at)
       VALUES ('earlier reviews', 'ok-vs-defect', '{"kind":"reviews"}', '["ok","defect"]', now()) RETURNING id`,
    );
    const job = await service.create(
      { dataset: { kind: 'labelSet', labelSetId: set.id }, config: VALID },
      actor,
    );
    expect(job.labelSetId).toBe(set.id);
    expect(job.config).toMatchObject({ dataset: { kind: 'labelSet', labelSetId: set.id } });

    const before = await counts();
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      await apiErrorOf(
        service.create({ dataset: { kind: 'labelSet', labelSetId: unknown }, config: VALID }, actor),
      ),
    ).toEqual({ status: 400, error: 'label_set_not_found' });
    expect(await apiErrorOf(service.create({ dataset: { kind: 'labelSet' }, config: VALID }, actor))).toEqual(
      {
        status: 400,
        error: 'invalid_dataset',
      },
    );
    expect(
      await apiErrorOf(
        service.create({ dataset: { kind: 'reviews', labelSetId: set.id }, config: VALID }, actor),
      ),
    ).toEqual({ status: 400, error: 'invalid_dataset' });
    expect(await counts()).toEqual(before);
  });

  it('refuses a ViT or missing teacher and leaves neither a row nor a queued job', async () => {
    const vit = await seedModelVersion(bed.dataSource, { architecture: 'vit' });
    const before = await counts();
    expect(
      await apiErrorOf(
        service.create({ dataset: { kind: 'reviews' }, config: VALID, teacherId: vit }, actor),
      ),
    ).toEqual({ status: 400, error: 'invalid_teacher' });
    expect(
      await apiErrorOf(
        service.create(
          { dataset: { kind: 'reviews' }, config: VALID, teacherId: '00000000-0000-4000-8000-000000000000' },
          actor,
        ),
      ),
    ).toEqual({ status: 400, error: 'teacher_not_found' });
    expect(await counts()).toEqual(before);
  });

  it('refuses an invalid training configuration, and a data source set by hand', async () => {
    expect(
      await apiErrorOf(
        service.create({ dataset: { kind: 'reviews' }, config: { ...VALID, epochs: -1 } }, actor),
      ),
    ).toEqual({ status: 400, error: 'invalid_config' });
    expect(
      await apiErrorOf(
        service.create(
          { dataset: { kind: 'reviews' }, config: { ...VALID, data: { source: { kind: 'folder' } } } },
          actor,
        ),
      ),
    ).toEqual({ status: 400, error: 'invalid_config' });
  });

  it('takes folders only under the training data roots', async () => {
    const inside = await service.create(
      { dataset: { kind: 'folder', path: path.join(root, 'tiles') }, config: VALID },
      actor,
    );
    expect(inside.status).toBe('queued');
    expect(
      await apiErrorOf(service.create({ dataset: { kind: 'folder', path: outside }, config: VALID }, actor)),
    ).toEqual({ status: 400, error: 'dataset_outside_roots' });
    // A path that climbs out of a root is judged by where it really is.
    expect(
      await apiErrorOf(
        service.create(
          { dataset: { kind: 'folder', path: path.join(root, '..', path.basename(outside)) }, config: VALID },
          actor,
        ),
      ),
    ).toEqual({ status: 400, error: 'dataset_outside_roots' });
    expect(
      await apiErrorOf(
        service.create({ dataset: { kind: 'folder', path: path.join(root, 'nope') }, config: VALID }, actor),
      ),
    ).toEqual({ status: 400, error: 'dataset_not_found' });
  });

  it('takes a fineTune.pretrained folder only under the training roots, and keeps its real path', async () => {
    const withPretrained = (given: string) => ({
      ...VALID,
      fineTune: { pretrained: { kind: 'folder', path: given } },
    });
    const before = await counts();
    for (const [given, error] of [
      [outside, 'pretrained_outside_roots'],
      [path.join(root, '..', path.basename(outside)), 'pretrained_outside_roots'],
      [path.join(root, 'escape'), 'pretrained_outside_roots'],
      ['escape', 'pretrained_outside_roots'],
      [path.join(root, 'backbones', 'missing'), 'pretrained_not_found'],
    ] as const) {
      expect(
        await apiErrorOf(
          service.create({ dataset: { kind: 'reviews' }, config: withPretrained(given) }, actor),
        ),
      ).toEqual({ status: 400, error });
    }
    expect(await counts()).toEqual(before);

    const created = await service.create(
      { dataset: { kind: 'reviews' }, config: withPretrained('backbones/mobilenet') },
      actor,
    );
    const [row]: { config: { training: { fineTune: { pretrained: { path: string } } } } }[] =
      await bed.dataSource.query(`SELECT config FROM training_jobs WHERE id = $1`, [created.id]);
    expect(row.config.training.fineTune.pretrained.path).toBe(
      path.join(await realpath(root), 'backbones', 'mobilenet'),
    );
  });

  it('cancels a queued job once; a finished or unknown job is refused', async () => {
    const job = await service.create({ dataset: { kind: 'reviews' }, config: VALID }, actor);
    expect(await service.cancel(job.id, actor)).toMatchObject({ id: job.id, status: 'cancelled' });
    expect(await apiErrorOf(service.cancel(job.id, actor))).toEqual({
      status: 409,
      error: 'training_job_finished',
    });
    expect(await apiErrorOf(service.cancel('00000000-0000-4000-8000-000000000000', actor))).toEqual({
      status: 404,
      error: 'training_job_not_found',
    });
    const detail = await service.get(job.id);
    expect(detail).toMatchObject({ status: 'cancelled', epochs: [] });
  });
});
