import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { FsObjectStore } from '@linescope/storage';
import { initBackend } from '@linescope/vision/backend';
import { loadModelArtifact, saveModelArtifact } from '@linescope/vision/artifacts';
import { predictLogits } from '@linescope/vision/models';
import { preprocessBatch } from '@linescope/vision/preprocess';
import { readFile } from 'node:fs/promises';
import { createRng } from '../random/rng';
import { NEU_CLS } from '../testing/shared-datasets.testing';
import { CHECKPOINT_FILE } from './training.checkpoint';
import { TrainingCancelledError, type EpochSummary, type TrainingProgress } from './training.hooks';
import { listSamples } from './training.dataset';
import { resolveTrainingConfig, type TrainingConfigInput } from './training.config';
import { train } from './training.engine';
import { spawnTypeScript } from './typescript-child.testing';

beforeAll(() => initBackend({ preferred: 'wasm', logger: () => undefined }));

let workDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'linescope-train-'));
});
afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const NO_CHECKLIST = {
  initialLoss: { enabled: false },
  overfit: { enabled: false },
  lrRange: { enabled: false },
  curves: { enabled: false },
};

/** Six steel-surface classes, a few images each, tiny ResNet-10 at 32 px: a few seconds per run. */
function neuConfig(patch: Partial<TrainingConfigInput> = {}): TrainingConfigInput {
  return {
    seed: 11,
    data: { source: { kind: 'folder', path: NEU_CLS }, task: 'multiclass', limitPerClass: 12 },
    model: { arch: 'resnet', depth: 10, width: 8, inputSize: 32 },
    batchSize: 16,
    epochs: 4,
    schedule: { kind: 'cosine', lr: 3e-3 },
    checklist: NO_CHECKLIST,
    earlyStopping: { enabled: false },
    ...patch,
  };
}

describe('train', () => {
  it('trains, reports progress and epochs through hooks, leaks nothing between epochs, and saves a loadable artifact', async () => {
    const progress: TrainingProgress[] = [];
    const epochs: EpochSummary[] = [];
    const tensorsAtEpochEnd: number[] = [];
    const lines: string[] = [];
    const result = await train(
      neuConfig({
        epochs: 4,
        augment: { horizontalFlip: { p: 0.5 } },
        evaluation: { testTimeAugmentation: true },
      }),
      {
        progressIntervalMs: 0,
        hooks: {
          onProgress: (p) => progress.push(p),
          onEpoch: (summary) => {
            epochs.push(summary);
            tensorsAtEpochEnd.push(tf.memory().numTensors);
          },
          onLog: (line) => lines.push(line),
        },
      },
    );
    expect(result.history).toHaveLength(4);
    expect(epochs).toEqual(result.history);
    expect(new Set(tensorsAtEpochEnd).size).toBe(1);
    expect(result.history[3].trainLoss).toBeLessThan(result.history[0].trainLoss);
    const training = progress.filter((p) => p.phase === 'training');
    expect(training.length).toBeGreaterThan(4);
    expect(training[training.length - 1]).toMatchObject({ epoch: 4, epochs: 4, etaSeconds: 0 });
    expect(
      training.every((p) => (p.learningRate ?? 0) > 0 && p.stepsPerEpoch === result.history[0].steps),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith('epoch 4/4'))).toBe(true);
    // The schedule's length is filled in, so the saved config reproduces the run.
    expect(result.config.schedule.totalSteps).toBe(4 * result.history[0].steps);
    expect(resolveTrainingConfig(JSON.parse(JSON.stringify(result.config)))).toEqual(result.config);
    expect(result.charts.loss.subarray(1, 4).toString()).toBe('PNG');
    expect(result.evaluation.report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(
      result.evaluation.testCount,
    );
    // No ok class in neu-cls: no defect score, so no operating point.
    expect(result.evaluation.defect).toBeNull();
    // Scored with the one trained symmetry, and also alone for comparison; the views are served from the manifest.
    expect(result.evaluation.views).toEqual(['identity', 'hflip']);
    expect(result.evaluation.singleView?.accuracy).toBeGreaterThanOrEqual(0);
    expect(result.manifest.testTimeViews).toEqual(['identity', 'hflip']);
    expect(result.manifest.metrics).toMatchObject({
      testTimeViews: 2,
      singleViewAccuracy: result.evaluation.singleView?.accuracy,
    });

    const store = new FsObjectStore(path.join(workDir, 'store'));
    await store.init();
    const manifest = await saveModelArtifact(store, 'models/neu', result.model, result.manifest);
    expect(manifest.trainingConfig).toEqual(JSON.parse(JSON.stringify(result.config)));
    expect(manifest.testTimeViews).toEqual(['identity', 'hflip']);
    const loaded = await loadModelArtifact(store, 'models/neu');
    const files = (await listSamples(result.config)).samples.slice(0, 3).map((s) => s.path);
    const images = await preprocessBatch(
      await Promise.all(files.map((f) => readFile(f))),
      loaded.manifest.preprocessing,
    );
    const a = predictLogits(result.model, images);
    const b = predictLogits(loaded.model, images);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([images, a, b]);
    loaded.model.dispose();
    result.model.dispose();
  });

  it('trains on mixup and cutmix batches without leaking their tensors', async () => {
    const tensorsAtEpochEnd: number[] = [];
    // No dropout: its masks are the one unseeded draw, and the two runs below must differ by the mixing alone.
    const mixed = await train(
      neuConfig({
        epochs: 3,
        dropout: 0,
        augment: { mixup: { p: 0.5, alpha: 0.8 }, cutmix: { p: 1, alpha: 1 } },
      }),
      {
        hooks: {
          onEpoch: () => {
            tensorsAtEpochEnd.push(tf.memory().numTensors);
          },
        },
      },
    );
    expect(new Set(tensorsAtEpochEnd).size).toBe(1);
    expect(mixed.history.every((epoch) => Number.isFinite(epoch.trainLoss))).toBe(true);
    expect(mixed.history[2].trainLoss).toBeLessThan(mixed.history[0].trainLoss);
    const plain = await train(neuConfig({ epochs: 1, dropout: 0 }));
    const plainAgain = await train(neuConfig({ epochs: 1, dropout: 0 }));
    expect(plainAgain.history[0].trainLoss).toBe(plain.history[0].trainLoss);
    expect(mixed.history[0].trainLoss).not.toBe(plain.history[0].trainLoss);
    for (const result of [mixed, plain, plainAgain]) result.model.dispose();
  });

  it('resumes a cancelled run from its last checkpoint and finishes with the full history', async () => {
    const store = new FsObjectStore(path.join(workDir, 'checkpoints'));
    await store.init();
    const checkpoint = { store, prefix: 'jobs/job-1/checkpoint' };
    const config = neuConfig({
      epochs: 4,
      earlyStopping: { enabled: true, patience: 10 },
      checklist: { ...NO_CHECKLIST, initialLoss: { enabled: true } },
    });
    const checkpointKeys: string[] = [];
    let checkpoints = 0;
    let steps = 0;
    // Stop mid-way through the third epoch, after the second epoch's checkpoint: the half-done epoch is lost,
    // as it would be when the process is killed.
    const first = train(config, {
      checkpoint,
      hooks: {
        onCheckpoint: ({ key }) => {
          checkpoints++;
          checkpointKeys.push(key);
        },
        shouldStop: () => checkpoints >= 2 && ++steps > 2,
      },
    });
    await expect(first).rejects.toThrow(TrainingCancelledError);
    await expect(first).rejects.toMatchObject({ completedEpochs: 2 });
    expect(checkpointKeys).toEqual([
      `jobs/job-1/checkpoint/${CHECKPOINT_FILE}`,
      `jobs/job-1/checkpoint/${CHECKPOINT_FILE}`,
    ]);
    const pointer = JSON.parse((await store.get(checkpointKeys[0])).toString('utf8')) as {
      epoch: number;
      history: EpochSummary[];
      folder: string;
    };
    expect(pointer.epoch).toBe(2);
    // Only the current (and best) epoch folders are kept.
    const keys: string[] = [];
    for await (const object of store.list('jobs/job-1/checkpoint/')) keys.push(object.key);
    expect(keys.some((k) => k.includes('epoch-0002/model.json'))).toBe(true);
    expect(keys.some((k) => k.includes('epoch-0002/optimizer.bin'))).toBe(true);

    const resumedLogs: string[] = [];
    const findings: string[] = [];
    const resumed = await train(config, {
      checkpoint,
      hooks: {
        onLog: (l) => resumedLogs.push(l),
        onFinding: (f) => {
          findings.push(f.check);
        },
      },
    });
    expect(resumed.resumedFromEpoch).toBe(2);
    expect(resumed.history).toHaveLength(4);
    expect(resumed.history.slice(0, 2)).toEqual(pointer.history);
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    // The checklist ran once, before the first epoch: its findings come back from the checkpoint.
    expect(findings).toEqual([]);
    expect(resumed.findings.map((f) => f.check)).toEqual(['initial-loss']);
    expect(resumedLogs.some((l) => l.includes('resuming from the checkpoint after epoch 2'))).toBe(true);
    // The schedule continued from the saved step rather than restarting.
    expect(resumed.history[2].learningRate).toBeLessThan(resumed.history[1].learningRate);
    resumed.model.dispose();
  });

  it('refuses to resume a checkpoint with other settings, and names them', async () => {
    const store = new FsObjectStore(path.join(workDir, 'changed-settings'));
    await store.init();
    const checkpoint = { store, prefix: 'runs/same-name/checkpoint' };
    const config = neuConfig({ epochs: 3, checklist: NO_CHECKLIST });
    const first = train(config, {
      checkpoint,
      hooks: {
        shouldStop: (() => {
          let steps = 0;
          return () => ++steps > 6;
        })(),
      },
    });
    await expect(first).rejects.toThrow(TrainingCancelledError);
    const before: string[] = [];
    for await (const object of store.list('runs/same-name/')) before.push(object.key);
    expect(before.some((key) => key.endsWith(CHECKPOINT_FILE))).toBe(true);

    await expect(train({ ...config, epochs: 5, weightDecay: 0.01 }, { checkpoint })).rejects.toThrow(
      /other settings \(epochs, weightDecay differ\)/,
    );
    const after: string[] = [];
    for await (const object of store.list('runs/same-name/')) after.push(object.key);
    expect(after.sort()).toEqual(before.sort());
  });

  it('resumes after the process was SIGKILLed after its second checkpoint', async () => {
    const root = path.join(workDir, 'killed');
    const config = neuConfig({ epochs: 4 });
    const child = spawnTypeScript(path.join(__dirname, 'checkpoint-kill.child.testing.ts'), {
      LINESCOPE_CHECKPOINT_ROOT: root,
      LINESCOPE_TRAIN_CONFIG: JSON.stringify(config),
    });
    let output = '';
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const killed = await new Promise<NodeJS.Signals | null>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('checkpoint 2')) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) => resolve(signal));
    });
    expect({ killed, errors }).toEqual({ killed: 'SIGKILL', errors: '' });
    expect(output).not.toContain('finished');

    const store = new FsObjectStore(root);
    const resumed = await train(config, { checkpoint: { store, prefix: 'jobs/killed' } });
    // Killed right after the 2nd checkpoint, maybe during the 3rd epoch or its checkpoint: the resume starts at 2 or 3.
    expect([2, 3]).toContain(resumed.resumedFromEpoch);
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    resumed.model.dispose();
  }, 120_000);

  it('refuses to resume on other data', async () => {
    const store = new FsObjectStore(path.join(workDir, 'checkpoints'));
    await store.init();
    const checkpoint = { store, prefix: 'jobs/job-2' };
    const done = await train(neuConfig({ epochs: 1 }), { checkpoint });
    done.model.dispose();
    await expect(train(neuConfig({ epochs: 1, seed: 12 }), { checkpoint })).rejects.toThrow(/other data/);
  });

  it('reports a learning rate of 10 as exploding', async () => {
    const result = await train(
      neuConfig({
        epochs: 4,
        optimizer: { kind: 'sgd', momentum: 0.9 },
        weightDecay: 0,
        schedule: { kind: 'constant', lr: 10 },
        checklist: { ...NO_CHECKLIST, curves: { enabled: true } },
      }),
    );
    const exploding = result.findings.find((f) => f.check === 'curves.exploding');
    expect(exploding?.status).toBe('fail');
    expect(exploding?.evidence.lr).toBe(10);
    result.model.dispose();
  });

  it('checks the labels on a stratified held-out sample where the validation split is ordered by label', async () => {
    const all = await listSamples(
      resolveTrainingConfig(
        neuConfig({
          data: { source: { kind: 'folder', path: NEU_CLS }, task: 'multiclass', limitPerClass: 150 },
        }),
      ),
    );
    const two = all.samples.filter((s) => s.className === 'crazing' || s.className === 'scratches');
    const result = await train(
      neuConfig({
        epochs: 1,
        data: {
          source: {
            kind: 'samples',
            classNames: ['crazing', 'scratches'],
            samples: two.map((s) => ({ key: s.path, className: s.className })),
          },
          task: 'multiclass',
          // 135 validation images per class, listed crazing first: the first 128 are all crazing.
          split: { train: 0.05, validation: 0.9, test: 0.05 },
        },
        checklist: { ...NO_CHECKLIST, overfit: { enabled: true, samples: 16, steps: 40 } },
      }),
    );
    result.model.dispose();
    // The run's split by image id: disjoint, covering every image given.
    const ids = [...result.split.train, ...result.split.validation, ...result.split.test].map((m) => m.id);
    expect(new Set(ids)).toEqual(new Set(two.map((s) => s.path)));
    expect(ids).toHaveLength(300);
    expect(result.split.validation).toHaveLength(270);
    const heldOut = result.findings.find((f) => f.check === 'overfit-held-out');
    expect(heldOut?.evidence).toMatchObject({ heldOutCount: 128, heldOutClasses: 2, majorityRate: 0.5 });
    expect(heldOut?.status).toBe('pass');
    expect(heldOut?.message).toMatch(/^held-out accuracy \d+\.\d% on 128 images, expected above 60\.3%/);
  });

  it('trips the checklist on labels shuffled against their images', async () => {
    const base = resolveTrainingConfig(
      neuConfig({
        data: { source: { kind: 'folder', path: NEU_CLS }, task: 'multiclass', limitPerClass: 30 },
      }),
    );
    const { samples, classNames } = await listSamples(base);
    const run = async (classOf: (i: number) => string) => {
      const result = await train(
        neuConfig({
          epochs: 1,
          data: {
            source: {
              kind: 'samples',
              classNames,
              samples: samples.map((s, i) => ({ key: s.path, className: classOf(i) })),
            },
            task: 'multiclass',
            // A larger validation split: the held-out check has more images to tell chance from learning.
            split: { train: 0.55, validation: 0.3, test: 0.15 },
          },
          checklist: {
            ...NO_CHECKLIST,
            initialLoss: { enabled: true },
            overfit: { enabled: true, samples: 32, steps: 60 },
          },
        }),
      );
      result.model.dispose();
      return Object.fromEntries(result.findings.map((f) => [f.check, f]));
    };
    const honest = await run((i) => samples[i].className);
    const shuffledNames = createRng(5).shuffle(samples.map((s) => s.className));
    const shuffled = await run((i) => shuffledNames[i]);

    expect(honest['initial-loss'].status).toBe('pass');
    expect(honest['overfit-small-sample'].status).not.toBe('fail');
    expect(honest['overfit-held-out'].status).toBe('pass');
    expect(honest['overfit-held-out'].evidence.heldOutCount).toBe(54);
    const tripped = ['initial-loss', 'overfit-small-sample', 'overfit-held-out'].filter(
      (check) => shuffled[check].status === 'fail',
    );
    expect(tripped).toContain('overfit-held-out');
    expect(shuffled['overfit-held-out'].message).toContain('labels belong to the images');
  });
});
