import { Client } from 'pg';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
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
      403,
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
});
