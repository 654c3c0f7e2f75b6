import { cp, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { FsObjectStore } from '@linescope/storage';
import { loadModelArtifact } from '@linescope/vision/artifacts';
import { initBackend } from '@linescope/vision/backend';
import { runImportModelCli } from '../../apps/trainer/src/cli/import-model.cli';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { DATASETS } from '../support/datasets';
import { builtEntry, REPO_ROOT, runNode, waitFor, type Running } from '../support/processes';

/**
 * A model trained with the CLI on a tiny real subset, then imported as an operator would: through the API (and its
 * CLI), worked by a separate trainer process that checks the folder and registers a candidate.
 */
describe('model import', () => {
  let api: ApiHarness;
  let sql: Client;
  let root: string;
  let trainerData: string;
  let engineer: string;
  let trainer: Running;
  let folder: string;

  const job = async (id: string) =>
    (await sql.query(`SELECT * FROM training_jobs WHERE id = $1`, [id])).rows[0];
  const finished = async (id: string) => {
    await waitFor(
      async () => ['succeeded', 'failed'].includes((await job(id)).status),
      120_000,
      `import job ${id} finished`,
      trainer,
    );
    return job(id);
  };

  beforeAll(async () => {
    root = await realpath(await mkdtemp(path.join(tmpdir(), 'ls-import-root-')));
    trainerData = await mkdtemp(path.join(tmpdir(), 'ls-import-trainer-'));
    const trained = await runNode(path.join(REPO_ROOT, 'dist/apps/trainer/src/cli/train.cli.js'), {}, [
      '--data',
      path.join(DATASETS, 'magnetic-tile'),
      '--task',
      'ok-vs-defect',
      '--limit-per-class',
      '10',
      '--size',
      '32',
      '--arch',
      'resnet10',
      '--width',
      '8',
      '--epochs',
      '1',
      '--batch',
      '16',
      '--no-checklist',
      '--backend',
      'wasm',
      '--out',
      path.join(root, 'runs'),
      '--name',
      'tiles',
    ]).exited;
    expect({ code: trained.code, stderr: trained.code === 0 ? '' : trained.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    folder = path.join(root, 'runs', 'objects', 'models', 'tiles');

    // The shared datasets are a root too, so a folder without evaluation.json can be evaluated on its recorded split.
    const roots = `${root},${DATASETS}`;
    api = await startApiHarness({ TRAINING_DATA_ROOTS: roots });
    sql = new Client({ connectionString: api.db.url });
    await sql.connect();
    engineer = (
      await api.call('POST', '/api/v1/users', {
        token: api.adminToken,
        json: { email: 'ml@example.com', displayName: 'ML', role: 'ml_engineer' },
      })
    ).body.token as string;
    trainer = runNode(builtEntry('trainer'), {
      DATABASE_URL: api.db.url,
      DATA_DIR: trainerData,
      TRAINING_DATA_ROOTS: roots,
      TRAINER_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    await initBackend({ preferred: 'wasm', logger: () => undefined });
  }, 300_000);
  afterAll(async () => {
    if (trainer && trainer.child.exitCode === null) {
      trainer.child.kill('SIGTERM');
      await trainer.exited;
    }
    await sql?.end();
    await api?.stop();
    await rm(root, { recursive: true, force: true });
    await rm(trainerData, { recursive: true, force: true });
  });

  it('registers a CLI-trained folder as a candidate, with its evaluation and its files in object storage', async () => {
    const created = await api.call('POST', '/api/v1/models/import', {
      token: engineer,
      json: { path: 'runs/objects/models/tiles', name: 'tiles-cli' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'queued', config: { import: { path: folder } } });

    const done = await finished(created.body.id);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'succeeded', error: null });
    expect(done.log).toMatch(/import: .*: 2 files match the manifest's sha256/);
    expect(done.log).toContain('evaluation.json: ');

    const model = (await sql.query(`SELECT * FROM model_versions WHERE id = $1`, [done.model_version_id]))
      .rows[0];
    const manifest = JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8'));
    expect(model).toMatchObject({
      name: 'tiles-cli',
      stage: 'candidate',
      architecture: 'resnet',
      input_height: 32,
      class_names: manifest.classNames,
      training_job_id: done.id,
      dataset_fingerprint: manifest.metrics.datasetSha256,
      operating_threshold: manifest.operatingPoint.threshold,
    });
    expect(model.metrics).toMatchObject({
      accuracy: manifest.metrics.accuracy,
      imported: { from: folder, digestsRecorded: true, evaluation: 'evaluation.json' },
    });
    expect(model.evaluation).toMatchObject({
      testCount: expect.any(Number),
      classNames: manifest.classNames,
    });

    const store = new FsObjectStore(path.join(trainerData, 'storage'));
    const artifact = await loadModelArtifact(store, model.artifact_key);
    expect(artifact.manifest.classNames).toEqual(manifest.classNames);
    artifact.model.dispose();
    expect(await store.exists(model.onnx_key)).toBe(true);
    expect(await store.exists(`${model.artifact_key}charts/loss.png`)).toBe(true);

    const audit = await sql.query(
      `SELECT action, actor_type FROM audit_events WHERE target_id IN ($1, $2) ORDER BY created_at`,
      [done.id, model.id],
    );
    expect(audit.rows).toEqual([
      { action: 'model.import', actor_type: 'user' },
      { action: 'model.register', actor_type: 'system' },
    ]);
  }, 180_000);

  it('evaluates a folder without evaluation.json on its recorded test split, or registers it without metrics', async () => {
    const importCopy = async (name: string, edit: (copy: string) => Promise<void>) => {
      const copy = path.join(root, name);
      await cp(folder, copy, { recursive: true });
      await rm(path.join(copy, 'evaluation.json'));
      await edit(copy);
      const created = await api.call('POST', '/api/v1/models/import', {
        token: engineer,
        json: { path: name, name },
      });
      expect(created.status).toBe(201);
      const done = await finished(created.body.id);
      expect({ status: done.status, error: done.error }).toEqual({ status: 'succeeded', error: null });
      const model = (await sql.query(`SELECT * FROM model_versions WHERE id = $1`, [done.model_version_id]))
        .rows[0];
      return { done, model };
    };
    const [first] = (await sql.query(`SELECT evaluation FROM model_versions WHERE name = 'tiles-cli'`)).rows;

    const resplit = await importCopy('no-evaluation', async () => undefined);
    expect(resplit.done.log).toContain('no evaluation.json: evaluated on the recorded test split of');
    expect(resplit.model.metrics.imported.evaluation).toBe('recorded test split');
    // The same images, the same seed, the same weights: the same test split and the same figures.
    expect(resplit.model.evaluation.testCount).toBe(first.evaluation.testCount);
    expect(resplit.model.evaluation.confusion).toEqual(first.evaluation.confusion);
    expect(resplit.model.evaluation.accuracy).toBeCloseTo(first.evaluation.accuracy, 6);

    const unreachable = await importCopy('no-data', async (copy) => {
      const file = path.join(copy, 'manifest.json');
      const manifest = JSON.parse(await readFile(file, 'utf8'));
      manifest.trainingConfig.data.source.path = '/nonexistent/tiles';
      await writeFile(file, JSON.stringify(manifest));
    });
    expect(unreachable.done.log).toContain('is not inside the training data roots');
    expect(unreachable.done.log).toContain('registered without test metrics');
    expect(unreachable.model.evaluation).toBeNull();
    expect(unreachable.model.metrics.imported.evaluation).toBe('none');
  }, 240_000);

  it('fails a tampered folder once, with the reason, and registers nothing', async () => {
    const tampered = path.join(root, 'tampered');
    await cp(folder, tampered, { recursive: true });
    const weights = await readFile(path.join(tampered, 'weights.bin'));
    weights[100] ^= 0x40;
    await writeFile(path.join(tampered, 'weights.bin'), weights);
    const before = Number((await sql.query(`SELECT count(*) FROM model_versions`)).rows[0].count);

    const created = await api.call('POST', '/api/v1/models/import', {
      token: engineer,
      json: { path: tampered, name: 'tampered' },
    });
    expect(created.status).toBe(201);
    const done = await finished(created.body.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/weights\.bin has sha256 [0-9a-f]{64}, the manifest recorded [0-9a-f]{64}/);
    expect(done.attempt).toBe(1);
    expect(Number((await sql.query(`SELECT count(*) FROM model_versions`)).rows[0].count)).toBe(before);
  }, 180_000);

  it('imports through the CLI too, following the job to the registered version', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
    };
    const env = { LINESCOPE_TOKEN: engineer };
    const code = await runImportModelCli(
      ['--path', folder, '--name', 'tiles-cli-again', '--api', api.url, '--timeout', '120'],
      io,
      env,
    );
    expect({ code, err: err.join('') }).toEqual({ code: 0, err: '' });
    expect(out.join('')).toMatch(/registered as candidate model version [0-9a-f-]{36} \(tiles-cli-again\)/);
    const versions = await sql.query(`SELECT stage FROM model_versions WHERE name = 'tiles-cli-again'`);
    expect(versions.rows).toEqual([{ stage: 'candidate' }]);

    const refused = await runImportModelCli(['--path', tmpdir(), '--name', 'x', '--api', api.url], io, env);
    expect(refused).toBe(1);
    expect(err.join('')).toContain('refused (400 model_outside_roots)');
  }, 180_000);
});
