import { realpathSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { type ApiHarness, startApiHarness } from '../support/api-harness';
import { DATASETS } from '../support/datasets';
import { builtEntry, runNode, type Running, waitFor } from '../support/processes';

/**
 * A real tiny training, launched through the API and worked by the trainer process, then read back through the
 * model artefact endpoints: what the trainer stores is what the model pages are served.
 */
describe('model artefacts of a real training', () => {
  let api: ApiHarness;
  let sql: Client;
  let trainer: Running;
  let dataDir: string;
  let engineer: string;

  beforeAll(async () => {
    api = await startApiHarness({ TRAINING_DATA_ROOTS: DATASETS });
    sql = new Client({ connectionString: api.db.url });
    await sql.connect();
    dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-artefacts-'));
    await chmod(dataDir, 0o755);
    trainer = runNode(builtEntry('trainer'), {
      DATABASE_URL: api.db.url,
      DATA_DIR: dataDir,
      TRAINER_PORT: '0',
      LOG_LEVEL: 'warn',
    });
    engineer = (
      await api.call('POST', '/api/v1/users', {
        token: api.adminToken,
        json: { email: 'ml@example.com', displayName: 'ML', role: 'ml_engineer' },
      })
    ).body.token;
  });
  afterAll(async () => {
    if (trainer.child.exitCode === null) trainer.child.kill('SIGTERM');
    await trainer.exited;
    await sql.end();
    await api.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the curves, resolved config and evaluation the trainer stored', async () => {
    const created = await api.call('POST', '/api/v1/training-jobs', {
      token: engineer,
      json: {
        dataset: { kind: 'folder', path: path.join(DATASETS, 'magnetic-tile') },
        config: {
          model: { arch: 'resnet', depth: 10, width: 8, inputSize: 32 },
          epochs: 3,
          batchSize: 16,
          seed: 11,
          data: { task: 'ok-vs-defect', limitPerClass: 12 },
          checklist: {
            initialLoss: { enabled: false },
            overfit: { enabled: false },
            lrRange: { enabled: false },
          },
        },
      },
    });
    expect(created.status).toBe(201);
    const jobId: string = created.body.id;
    const status = async () =>
      (await sql.query(`SELECT status, error, model_version_id FROM training_jobs WHERE id = $1`, [jobId]))
        .rows[0];
    await waitFor(
      async () => {
        const job = await status();
        if (job.status === 'failed') throw new Error(`training failed: ${job.error}`);
        return job.status === 'succeeded';
      },
      80_000,
      'training succeeded',
      trainer,
    );
    const modelId: string = (await status()).model_version_id;

    const curves = await api.call('GET', `/api/v1/models/${modelId}/curves`, { token: engineer });
    expect(curves.status).toBe(200);
    expect(curves.body.trainingJobId).toBe(jobId);
    expect(curves.body.epochs.map((e: { epoch: number }) => e.epoch)).toEqual([1, 2, 3]);
    for (const point of curves.body.epochs) {
      expect(point).toMatchObject({
        trainLoss: expect.any(Number),
        trainAccuracy: expect.any(Number),
        valLoss: expect.any(Number),
        valAccuracy: expect.any(Number),
        learningRate: expect.any(Number),
      });
    }

    const config = await api.call('GET', `/api/v1/models/${modelId}/config`, { token: engineer });
    expect(config.body.config).toMatchObject({
      epochs: 3,
      batchSize: 16,
      seed: 11,
      model: { arch: 'resnet', depth: 10, width: 8 },
      optimizer: expect.any(Object),
      schedule: expect.any(Object),
    });
    // The server records the folder's real path (the datasets may be reached through a symbolic link).
    expect(config.body.dataset).toEqual({
      kind: 'folder',
      path: path.join(realpathSync(DATASETS), 'magnetic-tile'),
    });

    const evaluation = await api.call('GET', `/api/v1/models/${modelId}/evaluation`, { token: engineer });
    expect(evaluation.status).toBe(200);
    const { detail } = evaluation.body;
    const row = (
      await sql.query(`SELECT metrics, operating_threshold FROM model_versions WHERE id = $1`, [modelId])
    ).rows[0];
    expect(detail.classNames).toContain('ok');
    expect(detail.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(detail.testCount);
    expect(detail.testCount).toBe(row.metrics.testCount);
    expect(detail.accuracy).toBeCloseTo(row.metrics.accuracy, 10);
    expect(detail.perClass).toHaveLength(detail.classNames.length);
    expect(detail.calibration.bins.length).toBeGreaterThan(0);
    expect(detail.defect.rocCurve.length).toBeGreaterThan(1);
    expect(detail.defect.prCurve.length).toBeGreaterThan(1);
    expect(evaluation.body.rocAuc).toBeCloseTo(row.metrics.rocAuc, 10);
    expect(evaluation.body.operatingThreshold).toBe(row.operating_threshold);
    if (detail.defect.operatingPoint)
      expect(detail.defect.operatingPoint.threshold).toBe(row.operating_threshold);
  }, 90_000);
});
