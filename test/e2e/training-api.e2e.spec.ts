import { realpathSync } from 'node:fs';
import { Client } from 'pg';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { CREATE_TRAINING_JOB_EXAMPLES } from '../../apps/api/src/dtos/training-job.dto';
import { DATASETS, datasetImages } from '../support/datasets';

describe('reviews and training jobs API', () => {
  let api: ApiHarness;
  let db: Client;
  let qa: string;
  let engineer: string;

  beforeAll(async () => {
    api = await startApiHarness({ TRAINING_DATA_ROOTS: DATASETS });
    db = new Client({ connectionString: api.db.url });
    await db.connect();
    const make = async (role: string) =>
      (
        await api.call('POST', '/api/v1/users', {
          token: api.adminToken,
          json: { email: `${role}@example.com`, displayName: role, role },
        })
      ).body.token as string;
    qa = await make('qa');
    engineer = await make('ml_engineer');
  });
  afterAll(async () => {
    await db.end();
    await api.stop();
  });

  const count = async (sql: string, values: unknown[] = []) =>
    Number((await db.query(sql, values)).rows[0].count);

  it('appends reviews; the history is kept and a defect type needs a defect decision', async () => {
    const line = await api.call('POST', '/api/v1/lines', {
      token: api.adminToken,
      json: { name: 'l1', verdictMode: 'async' },
    });
    const cam = await api.call('POST', `/api/v1/lines/${line.body.id}/cameras`, {
      token: api.adminToken,
      json: { name: 'c' },
    });
    const [image] = datasetImages('magnetic-tile', 'blowhole', 1);
    const inspection = await api.call('POST', '/api/v1/inspections', {
      body: image.bytes,
      headers: { 'content-type': 'image/jpeg', 'x-api-key': cam.body.apiKey },
    });
    const route = `/api/v1/inspections/${inspection.body.id}/reviews`;
    const first = await api.call('POST', route, { token: qa, json: { decision: 'ok' } });
    expect(first.status).toBe(201);
    const second = await api.call('POST', route, {
      token: qa,
      json: { decision: 'defect', defectType: 'blowhole', note: 'second look' },
    });
    expect(second.body).toMatchObject({ decision: 'defect', defectType: 'blowhole', note: 'second look' });
    const invalid = await api.call('POST', route, {
      token: qa,
      json: { decision: 'ok', defectType: 'crack' },
    });
    expect(invalid).toMatchObject({ status: 400, body: { error: 'invalid_review' } });
    const history = await api.call('GET', route, { token: qa });
    expect(history.body.map((r: { decision: string }) => r.decision)).toEqual(['ok', 'defect']);
    const camera = await api.call('POST', route, {
      headers: { 'x-api-key': cam.body.apiKey },
      json: { decision: 'ok' },
    });
    expect(camera.status).toBe(403);
    const reviewed = await api.call('GET', '/api/v1/inspections?reviewed=true', { token: qa });
    expect(reviewed.body.items.map((i: { id: string }) => i.id)).toEqual([inspection.body.id]);
  });

  it('queues a training job with its queue entry in the same transaction, and cancels it', async () => {
    const created = await api.call('POST', '/api/v1/training-jobs', {
      token: engineer,
      json: {
        dataset: { kind: 'folder', path: `${DATASETS}/magnetic-tile` },
        config: { model: { arch: 'resnet', depth: 10, width: 8, inputSize: 32 }, epochs: 2 },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'queued', config: { dataset: { kind: 'folder' } } });
    expect(
      await count(
        `SELECT count(*) FROM pgboss.job WHERE name = 'train-model' AND data->>'trainingJobId' = $1`,
        [created.body.id],
      ),
    ).toBe(1);
    const detail = await api.call('GET', `/api/v1/training-jobs/${created.body.id}`, { token: qa });
    expect(detail.body).toMatchObject({ id: created.body.id, epochs: [], logTail: '' });

    const cancelled = await api.call('POST', `/api/v1/training-jobs/${created.body.id}/cancel`, {
      token: engineer,
    });
    expect(cancelled.body.status).toBe('cancelled');
    const again = await api.call('POST', `/api/v1/training-jobs/${created.body.id}/cancel`, {
      token: engineer,
    });
    expect(again).toMatchObject({ status: 409, body: { error: 'training_job_finished' } });
  });

  it.each([
    [
      'a folder outside the allowed roots',
      { dataset: { kind: 'folder', path: '/etc' }, config: {} },
      400,
      'dataset_outside_roots',
    ],
    [
      'a missing folder',
      { dataset: { kind: 'folder', path: `${DATASETS}/nope` }, config: {} },
      400,
      'dataset_not_found',
    ],
    [
      'an invalid configuration',
      { dataset: { kind: 'reviews' }, config: { epochs: -3 } },
      400,
      'invalid_config',
    ],
    [
      'an unknown architecture',
      { dataset: { kind: 'reviews' }, config: { model: { arch: 'alexnet' } } },
      400,
      'invalid_config',
    ],
    [
      'a data source in the configuration',
      { dataset: { kind: 'reviews' }, config: { data: { source: { kind: 'folder', path: '/' } } } },
      400,
      'invalid_config',
    ],
    [
      'a teacher that does not exist',
      {
        dataset: { kind: 'reviews' },
        config: { model: { arch: 'vit' } },
        teacherId: '00000000-0000-4000-8000-000000000000',
      },
      400,
      'teacher_not_found',
    ],
  ])('refuses %s and writes nothing', async (_what, body, status, code) => {
    const before = await count('SELECT count(*) FROM training_jobs');
    const response = await api.call('POST', '/api/v1/training-jobs', { token: engineer, json: body });
    expect(response).toMatchObject({ status, body: { error: code } });
    expect(await count('SELECT count(*) FROM training_jobs')).toBe(before);
  });

  it('lets only ML engineers and admins launch training', async () => {
    const denied = await api.call('POST', '/api/v1/training-jobs', {
      token: qa,
      json: { dataset: { kind: 'reviews' }, config: {} },
    });
    expect(denied.status).toBe(403);
  });

  it('serves the training configuration as a JSON Schema, with every option described', async () => {
    const response = await api.call('GET', '/api/v1/training/config-schema', { token: engineer });
    expect(response.status).toBe(200);
    const schema = response.body;
    expect(schema.properties.schedule.properties.lr).toMatchObject({
      type: 'number',
      default: 0.001,
      minimum: 0,
      exclusiveMinimum: true,
      description: expect.stringContaining('learning rate'),
    });
    expect(schema.properties.optimizer.properties.kind.enum).toEqual(['sgd', 'adam', 'adamw']);
    expect(schema.properties.data.properties.source).toBeUndefined();
    // The same schema documents the job's config in the OpenAPI document.
    const docs = await api.call('GET', '/api/docs.json');
    const dto = docs.body.components.schemas.CreateTrainingJobDto.properties.config;
    expect(dto.properties.schedule.properties.lr.default).toBe(0.001);
    expect(dto.properties.epochs).toMatchObject({ default: 30, description: expect.any(String) });
    expect((await api.call('GET', '/api/v1/training/config-schema', { token: qa })).status).toBe(403);
  });

  it('accepts the documented examples for creating a job', async () => {
    for (const [name, example] of Object.entries(CREATE_TRAINING_JOB_EXAMPLES)) {
      const response = await api.call('POST', '/api/v1/training-jobs', {
        token: engineer,
        json: example.value,
      });
      expect({ name, status: response.status, body: response.body }).toMatchObject({ name, status: 201 });
      if (example.value.dataset.kind === 'folder')
        expect(response.body.config.dataset.path).toBe(`${realpathSync(DATASETS)}/neu-cls`);
      await api.call('POST', `/api/v1/training-jobs/${response.body.id}/cancel`, { token: engineer });
    }
  });

  it('answers an invalid option with its key path, for the form to show on the field', async () => {
    const response = await api.call('POST', '/api/v1/training-jobs', {
      token: engineer,
      json: {
        dataset: { kind: 'reviews' },
        config: { model: { arch: 'resnet' }, schedule: { lr: -1 }, epochs: 0 },
      },
    });
    expect(response).toMatchObject({ status: 400, body: { error: 'invalid_config' } });
    expect(Object.keys(response.body.details.fields).sort()).toEqual(['epochs', 'schedule.lr']);
  });

  it('lists the dataset folders under the roots with class counts, and the reviews that would be frozen', async () => {
    const response = await api.call('GET', '/api/v1/training/datasets', { token: engineer });
    expect(response.status).toBe(200);
    const neu = response.body.folders.find((f: { name: string }) => f.name === 'neu-cls');
    expect(neu).toMatchObject({ root: DATASETS, images: 1800 });
    expect(neu.classes).toContainEqual({ name: 'crazing', images: 300 });
    expect(neu.classes).toHaveLength(6);
    // The first test reviewed one blowhole image as a defect of type blowhole.
    expect(response.body.reviews).toEqual({ images: 1, classes: [{ name: 'blowhole', images: 1 }] });
    expect(Array.isArray(response.body.labelSets)).toBe(true);
  });

  it('takes a dataset by its relative name and refuses one outside the roots with a clear 400', async () => {
    const created = await api.call('POST', '/api/v1/training-jobs', {
      token: engineer,
      json: { dataset: { kind: 'folder', path: 'magnetic-tile' }, config: { model: { arch: 'resnet' } } },
    });
    expect(created.status).toBe(201);
    expect(created.body.config.dataset.path).toBe(`${realpathSync(DATASETS)}/magnetic-tile`);
    await api.call('POST', `/api/v1/training-jobs/${created.body.id}/cancel`, { token: engineer });
    const escape = await api.call('POST', '/api/v1/training-jobs', {
      token: engineer,
      json: { dataset: { kind: 'folder', path: '../../etc' }, config: {} },
    });
    expect(escape).toMatchObject({ status: 400, body: { error: 'dataset_outside_roots' } });
    expect(escape.body.message).toContain('outside the training data roots');
  });

  it('offers presets with the config they set and a duration estimate on this host', async () => {
    const response = await api.call('GET', '/api/v1/training/presets?dataset=neu-cls', { token: engineer });
    expect(response.status).toBe(200);
    expect(response.body.map((p: { title: string }) => p.title)).toEqual([
      'Quick check',
      'Best for small defects',
      'Distil a ViT from this CNN',
    ]);
    const [quick, small] = response.body;
    expect(quick.config.data.limitPerClass).toBe(20);
    // 20 per class x 6 classes, 70% for training.
    expect(quick.estimate).toMatchObject({ dataset: 'neu-cls', trainImages: 84, epochs: 2 });
    expect(quick.estimate.seconds).toBeLessThan(small.estimate.seconds);
    expect(small.estimate.basis).toMatch(/images\/s/);
    for (const preset of response.body) {
      const launched = await api.call('POST', '/api/v1/training-jobs', {
        token: engineer,
        json: { dataset: { kind: 'folder', path: 'neu-cls' }, config: preset.config },
      });
      expect({ preset: preset.id, status: launched.status }).toEqual({ preset: preset.id, status: 201 });
      await api.call('POST', `/api/v1/training-jobs/${launched.body.id}/cancel`, { token: engineer });
    }
    const unknown = await api.call('GET', '/api/v1/training/presets?dataset=nope', { token: engineer });
    expect(unknown).toMatchObject({ status: 400, body: { error: 'dataset_not_found' } });
  });
});
