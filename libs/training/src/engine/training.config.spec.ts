import { deriveSeed } from '../random/rng';
import { ZodError } from 'zod';
import {
  DEFAULT_WEIGHT_DECAY,
  InvalidTrainingConfigError,
  modelSpecFor,
  preprocessSpecFor,
  resolveTrainingConfig,
  scheduleOptionsFor,
  testTimeViewsFor,
} from './training.config';

const minimal = {
  data: { source: { kind: 'folder', path: '/data/tiles' } },
  model: { arch: 'resnet' },
};

describe('resolveTrainingConfig', () => {
  it('fills every default, so the resolved config alone reproduces the run', () => {
    const config = resolveTrainingConfig(minimal);
    expect(config).toMatchObject({
      seed: 0,
      data: {
        task: 'ok-vs-defect',
        okClassNames: ['ok'],
        split: { train: 0.7, validation: 0.15, test: 0.15 },
      },
      model: { arch: 'resnet', depth: 18, residual: true, width: 64, inputSize: [224, 224] },
      preprocess: { resize: 'squash', normalization: 'resnet' },
      init: 'he',
      dropout: 0.2,
      headInitScale: 0.01,
      optimizer: { kind: 'adamw', beta1: 0.9, beta2: 0.999 },
      weightDecay: DEFAULT_WEIGHT_DECAY.adamw,
      batchSize: 32,
      epochs: 30,
      schedule: { kind: 'cosine', lr: 1e-3 },
      augment: {},
      imbalance: 'none',
      labelSmoothing: 0,
      earlyStopping: { enabled: true, metric: 'valLoss', patience: 5, minDelta: 0 },
      checklist: {
        initialLoss: { enabled: true, batches: 3 },
        overfit: { enabled: true, samples: 32, steps: 60 },
        lrRange: { enabled: true, iterations: 100, apply: false },
        candidates: { runs: [], epochs: 2, metric: 'valAcc' },
        curves: { enabled: true },
      },
      distillation: { mode: 'none', alpha: 0.5, tau: 3 },
      evaluation: { targetRecall: 0.99, band: { safeRecall: 0.999, safePrecision: 0.99, minMargin: 0 } },
      fineTune: {},
    });
  });

  it('is a fixed point: resolving a resolved config (through JSON) gives it back', () => {
    const config = resolveTrainingConfig({
      ...minimal,
      model: {
        arch: 'vit',
        patchSize: 8,
        dim: 32,
        depth: 2,
        heads: 2,
        distillationToken: true,
        inputSize: 32,
      },
      distillation: { mode: 'soft', teacher: 'models/teacher-1' },
      augment: { horizontalFlip: { p: 0.5 } },
    });
    expect(resolveTrainingConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
    expect(config.preprocess.normalization).toBe('vit');
  });

  it('takes per-optimizer weight decay defaults and keeps explicit values', () => {
    expect(resolveTrainingConfig({ ...minimal, optimizer: { kind: 'sgd' } }).weightDecay).toBe(5e-4);
    expect(resolveTrainingConfig({ ...minimal, optimizer: { kind: 'adam' } }).weightDecay).toBe(0);
    expect(resolveTrainingConfig({ ...minimal, weightDecay: 0.1 }).weightDecay).toBe(0.1);
  });

  it.each([
    [
      'split fractions not summing to 1',
      { data: { ...minimal.data, split: { train: 0.5, validation: 0.2, test: 0.2 } } },
      'sum to 1',
    ],
    [
      'an empty test split',
      { data: { ...minimal.data, split: { train: 0.8, validation: 0.2, test: 0 } } },
      'all need a share',
    ],
    ['an unknown field', { epochz: 3 }, 'Unrecognized key'],
    ['an unknown architecture', { model: { arch: 'vgg' } }, 'model'],
    [
      'quarter turns of a non-square input',
      { model: { arch: 'resnet', depth: 10, inputSize: [48, 64] }, augment: { rotate90: { p: 0.5 } } },
      'augment.rotate90: needs a square input, model.inputSize is 48x64',
    ],
    [
      'test-time augmentation without a flip or quarter turn to average over',
      { evaluation: { testTimeAugmentation: true }, augment: { shift: { p: 0.5, maxFraction: 0.1 } } },
      'evaluation.testTimeAugmentation: needs a horizontalFlip, verticalFlip or rotate90 augmentation',
    ],
    [
      'a ViT input not divisible by its patch',
      { model: { arch: 'vit', patchSize: 16, inputSize: 40 } },
      'not divisible by patchSize',
    ],
    [
      'distillation into a student without a distillation token',
      { distillation: { mode: 'hard' }, model: { arch: 'vit' } },
      'distillationToken',
    ],
    ['a negative learning rate', { schedule: { lr: -1 } }, 'schedule.lr'],
    [
      'a cosine schedule shorter than its warm-up',
      { schedule: { kind: 'cosine', totalSteps: 5, warmup: { steps: 10, startLr: 0 } } },
      'schedule',
    ],
    ['a step schedule without milestones', { schedule: { kind: 'step' } }, 'every'],
    ['a zero batch size', { batchSize: 0 }, 'batchSize'],
    ['dropout of 1', { dropout: 1 }, 'dropout'],
    ['an augmentation probability above 1', { augment: { horizontalFlip: { p: 2 } } }, 'augment'],
    ['more than 5 candidate epochs', { checklist: { candidates: { epochs: 9 } } }, 'candidates'],
    [
      'a sample of an unlisted class',
      {
        data: {
          source: {
            kind: 'samples',
            classNames: ['ok', 'crack'],
            samples: [
              { key: 'a', className: 'ok' },
              { key: 'b', className: 'dent' },
            ],
          },
        },
      },
      'not in classNames',
    ],
    [
      'AUC early stopping without an ok class',
      {
        data: {
          task: 'multiclass',
          source: {
            kind: 'samples',
            classNames: ['a', 'b'],
            samples: [
              { key: 'x', className: 'a' },
              { key: 'y', className: 'b' },
            ],
          },
        },
        earlyStopping: { metric: 'valRocAuc' },
      },
      'valRocAuc',
    ],
  ])('rejects %s', (_name, patch, message) => {
    const attempt = () => resolveTrainingConfig({ ...minimal, ...patch });
    expect(attempt).toThrow(InvalidTrainingConfigError);
    expect(attempt).toThrow(message);
  });
});

describe('derived specs', () => {
  const config = resolveTrainingConfig({
    ...minimal,
    model: { arch: 'mobilenetv2', alpha: 0.35, inputSize: [48, 64] },
    preprocess: { resize: 'letterbox' },
    dropout: 0.1,
    init: 'xavier',
  });

  it('gives the zoo spec with the classes from the data', () => {
    expect(modelSpecFor(config, 6)).toEqual({
      arch: 'mobilenetv2',
      alpha: 0.35,
      numClasses: 6,
      inputSize: [48, 64],
      dropout: 0.1,
      init: 'xavier',
      name: undefined,
      seed: deriveSeed(config.seed, 'init'),
    });
    expect(modelSpecFor(config, 2, 0).dropout).toBe(0);
    expect(modelSpecFor({ ...config, seed: config.seed + 1 }, 6).seed).not.toBe(modelSpecFor(config, 6).seed);
  });

  it('gives the preprocessing the inference service will apply', () => {
    expect(preprocessSpecFor(config)).toEqual({
      inputSize: [48, 64],
      resize: 'letterbox',
      normalization: 'mobilenet',
    });
  });

  it('gives the test-time views of the trained symmetries only when test-time augmentation is on', () => {
    const flips = {
      horizontalFlip: { p: 0.5 },
      verticalFlip: { p: 0.5 },
      shift: { p: 0.5, maxFraction: 0.1 },
    };
    expect(testTimeViewsFor(resolveTrainingConfig({ ...minimal, augment: flips }))).toEqual(['identity']);
    expect(
      testTimeViewsFor(
        resolveTrainingConfig({ ...minimal, augment: flips, evaluation: { testTimeAugmentation: true } }),
      ),
    ).toEqual(['identity', 'hflip', 'vflip', 'rot180']);
    // A flip that is never drawn (p = 0) is not a trained symmetry.
    expect(
      testTimeViewsFor(
        resolveTrainingConfig({
          ...minimal,
          augment: { horizontalFlip: { p: 0.5 }, rotate90: { p: 0 } },
          evaluation: { testTimeAugmentation: true },
        }),
      ),
    ).toEqual(['identity', 'hflip']);
  });

  it('fills totalSteps of cosine and linear schedules from the run length', () => {
    expect(scheduleOptionsFor(config.schedule, 500)).toEqual({ kind: 'cosine', lr: 1e-3, totalSteps: 500 });
    expect(scheduleOptionsFor({ ...config.schedule, kind: 'linear', totalSteps: 80 }, 500)).toEqual({
      kind: 'linear',
      lr: 1e-3,
      totalSteps: 80,
      endLr: 0,
    });
    expect(scheduleOptionsFor({ kind: 'step', lr: 0.1, every: 30 }, 500)).toEqual({
      kind: 'step',
      lr: 0.1,
      gamma: 0.1,
      every: 30,
    });
    expect(() =>
      scheduleOptionsFor({ kind: 'cosine', lr: 0.1, warmup: { steps: 600, startLr: 0 } }, 500),
    ).toThrow(ZodError);
  });
});
