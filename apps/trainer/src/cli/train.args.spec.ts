import { resolveTrainingConfig, testTimeViewsFor } from '@linescope/training/engine';
import { TEST_TIME_VIEWS } from '@linescope/vision/test-time';
import { trainingConfigOptions } from '@linescope/training/config';
import { CliUsageError, configFileOf, parseTrainArgs, USAGE } from './train.args';

const NOW = new Date('2026-01-02T03:04:05.000Z');

describe('parseTrainArgs', () => {
  it('turns flags into a config the engine accepts', () => {
    const options = parseTrainArgs(
      [
        '--data',
        '/data/tiles',
        '--arch',
        'resnet10',
        '--width',
        '16',
        '--pooling',
        'max',
        '--epochs',
        '12',
        '--batch',
        '24',
        '--lr',
        '0.05',
        '--optimizer',
        'sgd',
        '--momentum',
        '0.8',
        '--nesterov',
        '--schedule',
        'cosine',
        '--warmup',
        '20',
        '--size',
        '96',
        '--task',
        'multiclass',
        '--augment',
        'hflip,rot90,brightness,mixup,cutmix',
        '--imbalance',
        'balanced-sampling',
        '--seed',
        '4',
        '--limit-per-class',
        '30',
        '--patience',
        '3',
        '--lr-range',
        'apply',
        '--tta',
        '--out',
        '/tmp/out',
      ],
      {},
      NOW,
    );
    expect(options).not.toBeNull();
    const config = resolveTrainingConfig(options?.config);
    expect(config).toMatchObject({
      seed: 4,
      data: { source: { kind: 'folder', path: '/data/tiles' }, task: 'multiclass', limitPerClass: 30 },
      model: { arch: 'resnet', depth: 10, width: 16, pooling: 'max', inputSize: [96, 96] },
      epochs: 12,
      batchSize: 24,
      optimizer: { kind: 'sgd', momentum: 0.8, nesterov: true },
      schedule: { kind: 'cosine', lr: 0.05, warmup: { steps: 20, startLr: 0 } },
      augment: {
        horizontalFlip: { p: 0.5 },
        rotate90: { p: 0.5 },
        brightness: { p: 0.5, maxDelta: 0.1 },
        mixup: { p: 0.5, alpha: 0.8 },
        cutmix: { p: 0.5, alpha: 1 },
      },
      imbalance: 'balanced-sampling',
      earlyStopping: { patience: 3 },
      checklist: { lrRange: { enabled: true, apply: true } },
      evaluation: { testTimeAugmentation: true },
    });
    expect(testTimeViewsFor(config)).toEqual([...TEST_TIME_VIEWS]);
    expect(options?.out).toBe('/tmp/out');
    expect(options?.name).toBe('resnet10-2026-01-02T03-04-05-000Z');
    expect(options?.checkpoints).toBe(true);
  });

  it('sets up DeiT distillation of a ViT student', () => {
    const options = parseTrainArgs(
      [
        '--data',
        'd',
        '--arch',
        'vit',
        '--vit',
        '8,64,4,4',
        '--size',
        '32',
        '--teacher',
        'runs/models/cnn',
        '--distill',
        'soft',
        '--tau',
        '2',
      ],
      {},
      NOW,
    );
    const config = resolveTrainingConfig(options?.config);
    expect(config.model).toMatchObject({
      arch: 'vit',
      patchSize: 8,
      dim: 64,
      depth: 4,
      heads: 4,
      distillationToken: true,
    });
    expect(config.distillation).toMatchObject({ mode: 'soft', tau: 2 });
    expect(options?.teacher).toBe('runs/models/cnn');
  });

  it('lets flags override a config file and keeps the rest of it', () => {
    const base = {
      data: { source: { kind: 'folder', path: '/from/file' }, okClassNames: ['good'] },
      model: { arch: 'mobilenetv2', alpha: 0.5 },
      epochs: 40,
    };
    const options = parseTrainArgs(['--config', 'x.json', '--epochs', '5', '--no-checklist'], base, NOW);
    const config = resolveTrainingConfig(options?.config);
    expect(config).toMatchObject({
      epochs: 5,
      model: { arch: 'mobilenetv2', alpha: 0.5 },
      data: { okClassNames: ['good'] },
    });
    expect(config.checklist.overfit.enabled).toBe(false);
    expect(base.epochs).toBe(40);
    expect(configFileOf(['--epochs', '3', '--config', 'a.json'])).toBe('a.json');
    expect(configFileOf(['--config=b.json'])).toBe('b.json');
  });

  it.each([
    [['--epochs', '3'], '--data'],
    [['--data', 'd', '--arch', 'vgg16'], '--arch'],
    [['--data', 'd', '--epochs', 'many'], '--epochs needs a number'],
    [['--data', 'd', '--augment', 'mosaic'], 'unknown augmentation'],
    [['--data', 'd', '--distill', 'hard'], '--teacher'],
    [['--data', 'd', '--arch', 'resnet18', '--teacher', 't', '--distill', 'hard'], '--arch vit'],
    [['--data', 'd', '--size', 'big'], '--size'],
    [['--data', 'd', '--frobnicate'], 'frobnicate'],
  ])('rejects %j', (argv, message) => {
    expect(() => parseTrainArgs(argv, {}, NOW)).toThrow(CliUsageError);
    expect(() => parseTrainArgs(argv, {}, NOW)).toThrow(message);
  });

  it('takes the test and validation shares as flags; train gets the rest, also over a config file', () => {
    const split = (argv: string[], base = {}) =>
      resolveTrainingConfig(parseTrainArgs(['--data', '/d', ...argv], base, NOW)!.config).data.split;
    expect(split([])).toEqual({ train: 0.7, validation: 0.15, test: 0.15 });
    expect(split(['--test-fraction', '0.2'])).toEqual({ train: 0.65, validation: 0.15, test: 0.2 });
    expect(split(['--test-fraction', '0.25', '--validation-fraction', '0.1'])).toEqual({
      train: 0.65,
      validation: 0.1,
      test: 0.25,
    });
    const base = { data: { split: { train: 0.8, validation: 0.1, test: 0.1 } } };
    expect(split(['--test-fraction', '0.3'], base)).toEqual({ train: 0.6, validation: 0.1, test: 0.3 });
    expect(() => parseTrainArgs(['--data', '/d', '--test-fraction', '1.5'], {}, NOW)).toThrow(
      /--test-fraction must be between 0 and 1/,
    );
    expect(() =>
      parseTrainArgs(['--data', '/d', '--test-fraction', '0.5', '--validation-fraction', '0.5'], {}, NOW),
    ).toThrow(/leave nothing to train on/);
  });

  it('refuses --pooling for a model without that choice', () => {
    expect(() => parseTrainArgs(['--data', '/d', '--arch', 'vit', '--pooling', 'max'], {}, NOW)).toThrow(
      /--pooling applies to --arch resnet/,
    );
  });

  it('returns null for --help', () => {
    expect(parseTrainArgs(['--help'])).toBeNull();
  });

  it('takes every option by its API key path, over the short aliases', () => {
    const options = parseTrainArgs(
      [
        '--data',
        '/data/tiles',
        '--lr',
        '0.5',
        '--schedule.lr',
        '0.001',
        '--model.depth',
        '10',
        '--model.arch',
        'resnet',
        '--model.width=8',
        '--checklist.overfit.enabled',
        'false',
        '--earlyStopping.enabled',
        '--data.limitPerClass',
        '20',
        '--augment.horizontalFlip.p',
        '0.5',
        '--data.split.train',
        '0.8',
        '--data.split.validation',
        '0.1',
        '--data.split.test',
        '0.1',
      ],
      {},
      NOW,
    )!;
    expect(options.config).toMatchObject({
      schedule: { lr: 0.001 },
      model: { arch: 'resnet', depth: 10, width: 8 },
      checklist: { overfit: { enabled: false } },
      earlyStopping: { enabled: true },
      data: { limitPerClass: 20, split: { train: 0.8, validation: 0.1, test: 0.1 } },
      augment: { horizontalFlip: { p: 0.5 } },
    });
    expect(() => resolveTrainingConfig(options.config)).not.toThrow();
    expect(() => parseTrainArgs(['--data', 'x', '--optimizer.kind', 'rmsprop'])).toThrow(
      /optimizer.kind must be one of sgd, adam, adamw/,
    );
    expect(() => parseTrainArgs(['--data', 'x', '--schedule.lr', 'fast'])).toThrow(CliUsageError);
  });

  it('--help lists every option of the configuration with its default and range', () => {
    for (const option of trainingConfigOptions()) expect(USAGE).toContain(`--${option.path} `);
    expect(USAGE).toContain('--schedule.lr <number>');
    expect(USAGE).toMatch(
      /--schedule\.lr <number>\n\s+Peak learning rate \(after warm-up\); default 0\.001; 0 < x/,
    );
  });
});
