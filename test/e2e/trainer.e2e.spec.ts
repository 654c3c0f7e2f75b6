import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { JobQueue } from '@linescope/queue';
import { FsObjectStore } from '@linescope/storage';
import { loadModelArtifact } from '@linescope/vision/artifacts';
import { initBackend } from '@linescope/vision/backend';
import { createMigratedDatabase, type TestDatabase } from '../support/database';
import { DATASETS, datasetImages } from '../support/datasets';
import { builtEntry, runNode, waitFor, type Running } from '../support/processes';

/** A tiny but real run: magnetic-tile images, ResNet-10 of width 8 at 32 px, the checklist trimmed for time. */
function tinyTraining(epochs: number, extra: Record<string, unknown> = {}) {
  return {
    model: { arch: 'resnet', depth: 10, width: 8, inputSize: 32 },
    epochs,
    batchSize: 16,
    seed: 7,
    data: { task: 'ok-vs-defect', limitPerClass: 10 },
    checklist: {
      initialLoss: { enabled: true, batches: 1 },
      overfit: { enabled: true, samples: 8, steps: 10 },
      lrRange: { enabled: true, iterations: 10 },
    },
    ...extra,
  };
}

/** The trainer as an operator runs it: a separate process, working jobs from the queue. */
describe('trainer app', () => {
  let db: TestDatabase;
  let sql: Client;
  let dataDir: string;
  let queue: JobQueue;
  const trainers: Running[] = [];

  const startTrainer = () => {
    const trainer = runNode(builtEntry('trainer'), {
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      TRAINER_PORT: '0',
      LOG_LEVEL: 'warn',
      TRAINER_HEARTBEAT_SECONDS: '1',
      TRAINER_SILENT_AFTER_SECONDS: '3',
    });
    trainers.push(trainer);
    return trainer;
  };
  const job = async (id: string) =>
    (await sql.query(`SELECT * FROM training_jobs WHERE id = $1`, [id])).rows[0];
  const createJob = async (dataset: Record<string, unknown>, training: Record<string, unknown>) => {
    const { rows } = await sql.query(`INSERT INTO training_jobs (config) VALUES ($1) RETURNING id`, [
      JSON.stringify({ dataset, training }),
    ]);
    await queue.send('train-model', { trainingJobId: rows[0].id });
    return rows[0].id as string;
  };

  beforeAll(async () => {
    ({ db } = await createMigratedDatabase());
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    dataDir = await mkdtemp(path.join(tmpdir(), 'linescope-trainer-'));
    await chmod(dataDir, 0o755);
    queue = new JobQueue({ databaseUrl: db.url });
    await queue.start();
    await initBackend({ preferred: 'wasm', logger: () => undefined });
  });
  afterEach(async () => {
    for (const trainer of trainers.splice(0)) {
      if (trainer.child.exitCode === null) {
        trainer.child.kill('SIGTERM');
        await trainer.exited;
      }
    }
  });
  afterAll(async () => {
    await queue.stop();
    await sql.end();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('trains from a dataset folder and registers a candidate with its metrics, checklist, epochs and charts', async () => {
    const trainer = startTrainer();
    const id = await createJob(
      { kind: 'folder', path: path.join(DATASETS, 'magnetic-tile') },
      tinyTraining(2, {
        augment: { horizontalFlip: { p: 0.5 } },
        evaluation: { testTimeAugmentation: true },
      }),
    );
    await waitFor(
      async () => (await job(id)).status === 'succeeded',
      150_000,
      'training job succeeded',
      trainer,
    );

    const done = await job(id);
    expect(done.progress).toMatchObject({ phase: 'done', epoch: 2 });
    expect(done.checklist.map((f: { check: string }) => f.check)).toEqual(
      expect.arrayContaining(['initial-loss', 'overfit-small-sample', 'lr-range-test']),
    );
    expect(done.log).toContain('data: 60 images');
    const epochs = await sql.query(
      `SELECT epoch, metrics FROM training_epochs WHERE training_job_id = $1 ORDER BY epoch`,
      [id],
    );
    expect(epochs.rows.map((r) => r.epoch)).toEqual([1, 2]);
    expect(epochs.rows[0].metrics).toMatchObject({
      trainLoss: expect.any(Number),
      valAccuracy: expect.any(Number),
    });

    const model = (await sql.query(`SELECT * FROM model_versions WHERE id = $1`, [done.model_version_id]))
      .rows[0];
    expect(model).toMatchObject({
      name: 'magnetic-tile-resnet10',
      version: 1,
      stage: 'candidate',
      architecture: 'resnet',
      input_height: 32,
      class_names: expect.arrayContaining(['ok']),
      training_job_id: id,
    });
    expect(model.dataset_fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(model.config).toMatchObject({
      epochs: 2,
      optimizer: expect.any(Object),
      schedule: expect.any(Object),
    });
    expect(model.operating_threshold).toEqual(expect.any(Number));

    const store = new FsObjectStore(path.join(dataDir, 'storage'));
    const artifact = await loadModelArtifact(store, model.artifact_key);
    expect(artifact.manifest.classNames).toEqual(model.class_names);
    expect(artifact.manifest.testTimeViews).toEqual(['identity', 'hflip']);
    artifact.model.dispose();
    for (const chart of ['loss', 'accuracy', 'learningRate']) {
      expect((await store.get(`${model.artifact_key}charts/${chart}.png`)).subarray(1, 4).toString()).toBe(
        'PNG',
      );
    }
    expect(await store.exists(`checkpoints/${id}/checkpoint.json`)).toBe(false);

    // split.json names the images of each split: disjoint, together the whole (limited) dataset.
    const split = JSON.parse((await store.get(`${model.artifact_key}split.json`)).toString()) as Record<
      'train' | 'validation' | 'test',
      { id: string; className: string }[]
    > & { datasetSha256: string };
    expect(split.datasetSha256).toBe(model.dataset_fingerprint);
    const ids = [...split.train, ...split.validation, ...split.test].map((m) => m.id);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
    expect(split.test.length).toBeGreaterThan(0);
    for (const member of split.test) expect(member.id.startsWith(`${member.className}/`)).toBe(true);

    // The ONNX export sits beside the TensorFlow.js artifact, and an int8 variant carries its measured cost.
    expect(model.onnx_key).toBe(`${model.artifact_key}model.onnx`);
    expect(artifact.manifest.onnxKey).toBe(model.onnx_key);
    expect(await store.exists(model.onnx_key)).toBe(true);
    const variant = (
      await sql.query(`SELECT * FROM model_versions WHERE name = 'magnetic-tile-resnet10-int8'`)
    ).rows[0];
    expect(variant).toMatchObject({ stage: 'candidate', training_job_id: id, version: 1 });
    expect(variant.metrics.quantization).toMatchObject({
      variant: 'int8',
      of: model.id,
      fp32Accuracy: expect.any(Number),
      int8Accuracy: expect.any(Number),
      accuracyChangePoints: expect.any(Number),
    });
    expect(variant.metrics.quantization.testImages).toBeGreaterThan(0);
    // Both measured as served, under the test-time views: ONNX Runtime's fp32 accuracy is the evaluation's.
    expect(variant.metrics.quantization.fp32Accuracy).toBeCloseTo(model.metrics.accuracy, 6);
  }, 180_000);

  it('freezes the QA reviews into a label set and trains on the stored images', async () => {
    const store = new FsObjectStore(path.join(dataDir, 'storage'));
    await store.init();
    const line = (await sql.query(`INSERT INTO production_lines (name) VALUES ('l') RETURNING id`)).rows[0]
      .id;
    const camera = (
      await sql.query(`INSERT INTO cameras (line_id, name) VALUES ($1, 'c') RETURNING id`, [line])
    ).rows[0].id;
    const reviewer = (
      await sql.query(
        `INSERT INTO users (email, display_name, role) VALUES ('qa@x', 'QA', 'qa') RETURNING id`,
      )
    ).rows[0].id;
    const images = [
      ...datasetImages('magnetic-tile', 'ok', 12).map((i) => ({ ...i, decision: 'ok', type: null })),
      ...datasetImages('magnetic-tile', 'blowhole', 12).map((i) => ({
        ...i,
        decision: 'defect',
        type: 'blowhole',
      })),
    ];
    for (const [n, image] of images.entries()) {
      const key = `images/${line}/2026-11-29/${n}.jpg`;
      await store.put(key, image.bytes, { contentType: 'image/jpeg' });
      const inspection = (
        await sql.query(
          `INSERT INTO inspections (line_id, camera_id, image_key, image_sha256, image_bytes, width, height, format)
           VALUES ($1, $2, $3, $4, $5, 100, 100, 'jpeg') RETURNING id`,
          [line, camera, key, 'a'.repeat(64), image.bytes.length],
        )
      ).rows[0].id;
      // A first opinion that a later review overrides: the label must be the latest review.
      if (n === 0)
        await sql.query(
          `INSERT INTO reviews (inspection_id, reviewer_id, decision, defect_type) VALUES ($1, $2, 'defect', 'crack')`,
          [inspection, reviewer],
        );
      await sql.query(
        `INSERT INTO reviews (inspection_id, reviewer_id, decision, defect_type) VALUES ($1, $2, $3, $4)`,
        [inspection, reviewer, image.decision, image.type],
      );
    }
    const trainer = startTrainer();
    const id = await createJob(
      { kind: 'reviews' },
      { ...tinyTraining(1), data: { task: 'ok-vs-defect' }, name: 'line-l' },
    );
    await waitFor(
      async () => ['succeeded', 'failed'].includes((await job(id)).status),
      150_000,
      'training finished',
      trainer,
    );
    const done = await job(id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    const labelSet = (await sql.query(`SELECT * FROM label_sets WHERE id = $1`, [done.label_set_id])).rows[0];
    expect(labelSet).toMatchObject({ item_count: 24, class_names: ['blowhole', 'ok'] });
    expect(labelSet.frozen_at).toBeInstanceOf(Date);
    const labels = await sql.query(
      `SELECT label, count(*)::int AS n FROM label_set_items WHERE label_set_id = $1 GROUP BY label ORDER BY label`,
      [labelSet.id],
    );
    expect(labels.rows).toEqual([
      { label: 'blowhole', n: 12 },
      { label: 'ok', n: 12 },
    ]);
    const model = (
      await sql.query(`SELECT name, version FROM model_versions WHERE id = $1`, [done.model_version_id])
    ).rows[0];
    expect(model).toEqual({ name: 'line-l', version: 1 });
  }, 180_000);

  it('resumes a job whose trainer was killed, from its last checkpoint, in another trainer', async () => {
    const first = startTrainer();
    const id = await createJob(
      { kind: 'folder', path: path.join(DATASETS, 'magnetic-tile') },
      tinyTraining(4, {
        checklist: {
          initialLoss: { enabled: false },
          overfit: { enabled: false },
          lrRange: { enabled: false },
          curves: { enabled: false },
        },
      }),
    );
    await waitFor(async () => (await job(id)).checkpoint_key !== null, 120_000, 'a first checkpoint', first);
    first.child.kill('SIGKILL');
    await first.exited;
    expect((await job(id)).status).toBe('running');

    const second = startTrainer();
    await waitFor(
      async () => (await job(id)).status === 'succeeded',
      150_000,
      'the job resumed and finished',
      second,
    ).catch(async (error: Error) => {
      const row = await job(id);
      throw new Error(
        `${error.message}: ${JSON.stringify({ ...row, config: undefined })}\n${second.output().stdout.slice(-3000)}\n${second.output().stderr}`,
      );
    });
    const done = await job(id);
    expect(done.attempt).toBe(2);
    expect(done.log).toMatch(/resuming from the checkpoint after epoch [1-3]/);
    const epochs = await sql.query(
      `SELECT epoch FROM training_epochs WHERE training_job_id = $1 ORDER BY epoch`,
      [id],
    );
    expect(epochs.rows.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
  }, 300_000);

  it('on SIGTERM stops a training at its checkpoint within 10 s, hands it over, and the next trainer resumes it', async () => {
    const first = startTrainer();
    const id = await createJob(
      { kind: 'folder', path: path.join(DATASETS, 'magnetic-tile') },
      tinyTraining(6, {
        checklist: {
          initialLoss: { enabled: false },
          overfit: { enabled: false },
          lrRange: { enabled: false },
          curves: { enabled: false },
        },
      }),
    );
    await waitFor(async () => (await job(id)).checkpoint_key !== null, 120_000, 'a first checkpoint', first);
    const stoppedAt = Date.now();
    first.child.kill('SIGTERM');
    const finished = await first.exited;
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    expect(finished.code).toBe(0);
    expect(finished.stderr).not.toMatch(/\n\s+at /);
    const handedOver = await job(id);
    expect(handedOver).toMatchObject({ status: 'running', worker_id: null });
    expect(handedOver.log).toMatch(/stopped by a shutdown after [1-5] epoch\(s\); queued again/);

    // The silence period is far away: the next trainer takes the job because it was handed over.
    const second = runNode(builtEntry('trainer'), {
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      TRAINER_PORT: '0',
      LOG_LEVEL: 'warn',
      TRAINER_SILENT_AFTER_SECONDS: '3600',
    });
    trainers.push(second);
    await waitFor(
      async () => (await job(id)).status === 'succeeded',
      150_000,
      'the job resumed and finished',
      second,
    );
    const done = await job(id);
    expect(done.attempt).toBe(2);
    expect(done.log).toMatch(/resuming from the checkpoint after epoch [1-5]/);
    const epochs = await sql.query(
      `SELECT epoch FROM training_epochs WHERE training_job_id = $1 ORDER BY epoch`,
      [id],
    );
    expect(epochs.rows.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
  }, 300_000);

  it('fails a job at once when its data cannot make a model, without retrying', async () => {
    const trainer = startTrainer();
    const id = await createJob(
      { kind: 'reviews', lineIds: ['00000000-0000-4000-8000-000000000000'] },
      tinyTraining(1),
    );
    await waitFor(async () => (await job(id)).status === 'failed', 60_000, 'the job failed', trainer);
    expect((await job(id)).error).toMatch(/not enough reviewed inspections/);
    expect((await job(id)).attempt).toBe(1);

    // A pretrained folder outside the training roots (a row written around the API) is refused by the trainer too.
    const outside = await createJob(
      { kind: 'folder', path: path.join(DATASETS, 'magnetic-tile') },
      tinyTraining(1, { fineTune: { pretrained: { kind: 'folder', path: DATASETS } } }),
    );
    await waitFor(async () => (await job(outside)).status === 'failed', 60_000, 'the job failed', trainer);
    expect((await job(outside)).error).toMatch(/^pretrained_outside_roots: /);
    expect((await job(outside)).attempt).toBe(1);
  }, 90_000);
});
