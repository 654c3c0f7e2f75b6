import { parseArgs } from 'node:util';
import {
  type ConfigOption,
  parseOptionValue,
  rangeText,
  setPath,
  trainingConfigOptions,
} from '@linescope/training/config';
import { type TrainingConfigInput } from '@linescope/training/engine';

/** Everything the command line says, before it becomes a training config. */
export interface TrainCliOptions {
  config: TrainingConfigInput;
  /** Folder the artifacts (and checkpoints) are written under, through an FsObjectStore. */
  out: string;
  /** Name of the model version: the artifact goes to `<out>/models/<name>/`. */
  name: string;
  /** Teacher artifact folder (holding manifest.json), for distillation. */
  teacher?: string;
  /** Config file given with --config, already read by the caller. */
  configFile?: string;
  backend?: 'wasm' | 'cpu' | 'tensorflow';
  /** Keep a checkpoint per epoch under `<out>/checkpoints/<name>/` and resume from it. */
  checkpoints: boolean;
  quiet: boolean;
}

export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

const SHORTCUTS = `usage: train --data <folder> [--<key.path> <value> ...] [options]

Every option of the training configuration is a flag named by its key path in the API's config JSON
(e.g. --schedule.lr 0.001 --model.arch resnet --model.depth 10 --checklist.overfit.enabled false); the full list
is at the end. The short flags below are kept as aliases; a key-path flag wins over its alias.

data
  --data <folder>            image folder: <folder>/<class>/<image>
  --task <t>                 ok-vs-defect (default) | multiclass
  --ok-classes <a,b>         classes meaning "good part" (default ok)
  --limit-per-class <n>      keep at most n images per class (seeded)
  --seed <n>                 seed of the split, order, augmentation (default 0)
  --test-fraction <f>        share of each class held out for the final test (default 0.15)
  --validation-fraction <f>  share for validation: early stopping, curves (default 0.15); train takes the rest
model
  --arch <a>                 resnet10 | resnet18 | resnet34 | resnet50 | mobilenetv2 | vit (default resnet18)
  --width <n>                ResNet stem width (default 64)
  --pooling <p>              ResNet global pooling: avg (default) | max (small defects on large parts)
  --alpha <a>                MobileNetV2 width multiplier: 0.35 | 0.5 | 0.75 | 1
  --vit <patch,dim,depth,heads>  ViT shape, e.g. 8,64,4,4 (a distillation token is added with --distill)
  --size <n | HxW>           input size (default: the architecture's)
  --resize <p>               squash (default) | letterbox | center-crop
  --dropout <r>              dropout before the classifier (default 0.2)
  --init <i>                 he | xavier | small-random | zeros
optimisation
  --epochs <n>  --batch <n>  --lr <x>
  --optimizer <o>            sgd | adam | adamw (default adamw)
  --momentum <m>  --nesterov
  --weight-decay <x>         kernels only
  --schedule <s>             constant | step | cosine (default) | linear
  --step-every <steps>       step schedule: multiply the rate by 0.1 every n steps
  --warmup <steps>           linear warm-up steps
  --clip-norm <x>            global gradient-norm clipping
  --augment <list>           hflip,vflip,rot90,rotate,shift,crop,brightness,contrast,noise,mixup,cutmix
  --imbalance <i>            none | weighted-loss | balanced-sampling
  --label-smoothing <e>
  --patience <n>             early-stopping patience (default 5); --no-early-stopping
  --early-metric <m>         valLoss | valAccuracy | valRocAuc
evaluation
  --tta                      test-time augmentation: score each image under the flips and quarter turns it was
                             trained with, average the probabilities (evaluation and inference; up to 8x compute)
checklist
  --no-checklist             skip initial-loss, overfit and lr-range checks
  --lr-range <off|report|apply>  lr range test (default report)
distillation
  --teacher <folder>         teacher artifact folder holding manifest.json (e.g. runs/objects/models/<name>)
  --distill <hard|soft>      DeiT distillation of a ViT student
  --distill-alpha <a>  --tau <t>
output
  --out <folder>             object store root (default ./runs): the model goes to models/<name>/ in it
  --name <name>              model version name (default <arch>-<timestamp>)
  --config <file.json>       base config; flags override it
  --no-checkpoints           do not checkpoint every epoch
  --backend <b>              wasm | cpu | tensorflow (default: best available)
  --quiet                    no progress output
`;

/** The configuration's options by key path (a path can have one option per union variant, e.g. model.depth). */
const CONFIG_OPTIONS = new Map<string, ConfigOption[]>();
for (const option of trainingConfigOptions())
  CONFIG_OPTIONS.set(option.path, [...(CONFIG_OPTIONS.get(option.path) ?? []), option]);

function optionHelp(all: ConfigOption[]): string {
  // The same option in every variant of a union (model.inputSize for every architecture) is listed once.
  const same = all.every((o) => o.description === all[0].description && o.kind === all[0].kind);
  const options = same ? [{ ...all[0], when: undefined }] : all;
  const first = options[0];
  const values = first.enum ? first.enum.join(' | ') : `<${first.kind}>`;
  const details = options
    .map((option) => {
      const parts = [
        option.when ? `${option.when.path} ${String(option.when.value)}:` : '',
        option.description ?? '',
        option.default === undefined ? '' : `default ${JSON.stringify(option.default)}`,
        rangeText(option),
        option.enum && options.length > 1 ? `(${option.enum.join(' | ')})` : '',
      ];
      return parts.filter(Boolean).join('; ').replace(':;', ':');
    })
    .join('\n      ');
  return `  --${first.path} ${options.length > 1 ? '<value>' : values}\n      ${details}`;
}

/** --help: the shortcuts, then every option of the configuration from its schema (the API's JSON Schema). */
export const USAGE = `${SHORTCUTS}
every option (GET /api/v1/training/config-schema documents the same)
${[...CONFIG_OPTIONS.values()].map(optionHelp).join('\n')}
`;

/** Pulls `--key.path value` / `--key.path=value` flags of the configuration out of argv. */
function extractConfigFlags(argv: readonly string[]): { rest: string[]; values: [string, unknown][] } {
  const rest: string[] = [];
  const values: [string, unknown][] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    const options = match ? CONFIG_OPTIONS.get(match[1]) : undefined;
    if (!match || !options) {
      rest.push(arg);
      continue;
    }
    let text = match[2];
    if (text === undefined) {
      const next = argv[i + 1];
      const isBoolean = options.every((option) => option.kind === 'boolean');
      if (isBoolean && next !== 'true' && next !== 'false') text = 'true';
      else if (next === undefined) throw new CliUsageError(`--${match[1]} needs a value`);
      else {
        text = next;
        i++;
      }
    }
    values.push([match[1], parseConfigValue(options, text)]);
  }
  return { rest, values };
}

function parseConfigValue(options: ConfigOption[], text: string): unknown {
  let firstError: unknown;
  for (const option of options) {
    try {
      return parseOptionValue(option, text);
    } catch (error) {
      firstError ??= error;
    }
  }
  throw new CliUsageError(firstError instanceof Error ? firstError.message : String(firstError));
}

const FLAGS = {
  data: { type: 'string' },
  task: { type: 'string' },
  'ok-classes': { type: 'string' },
  'limit-per-class': { type: 'string' },
  seed: { type: 'string' },
  'test-fraction': { type: 'string' },
  'validation-fraction': { type: 'string' },
  arch: { type: 'string' },
  width: { type: 'string' },
  pooling: { type: 'string' },
  alpha: { type: 'string' },
  vit: { type: 'string' },
  size: { type: 'string' },
  resize: { type: 'string' },
  dropout: { type: 'string' },
  init: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  momentum: { type: 'string' },
  nesterov: { type: 'boolean' },
  'weight-decay': { type: 'string' },
  schedule: { type: 'string' },
  warmup: { type: 'string' },
  'step-every': { type: 'string' },
  'clip-norm': { type: 'string' },
  augment: { type: 'string' },
  imbalance: { type: 'string' },
  'label-smoothing': { type: 'string' },
  patience: { type: 'string' },
  'no-early-stopping': { type: 'boolean' },
  'early-metric': { type: 'string' },
  tta: { type: 'boolean' },
  'no-checklist': { type: 'boolean' },
  'lr-range': { type: 'string' },
  teacher: { type: 'string' },
  distill: { type: 'string' },
  'distill-alpha': { type: 'string' },
  tau: { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  config: { type: 'string' },
  'no-checkpoints': { type: 'boolean' },
  backend: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const AUGMENTATIONS: Record<string, object> = {
  hflip: { horizontalFlip: { p: 0.5 } },
  vflip: { verticalFlip: { p: 0.5 } },
  flip: { horizontalFlip: { p: 0.5 }, verticalFlip: { p: 0.5 } },
  rot90: { rotate90: { p: 0.5 } },
  rotate: { rotation: { p: 0.5, maxDegrees: 15 } },
  shift: { shift: { p: 0.5, maxFraction: 0.1 } },
  crop: { resizedCrop: { p: 0.5, scale: [0.7, 1], ratio: [0.8, 1.25] } },
  brightness: { brightness: { p: 0.5, maxDelta: 0.1 } },
  contrast: { contrast: { p: 0.5, range: [0.8, 1.2] } },
  noise: { noise: { p: 0.3, std: 0.02 } },
  // DeiT's alphas; with both, each batch draws one of the two, so about half the batches are mixed.
  mixup: { mixup: { p: 0.5, alpha: 0.8 } },
  cutmix: { cutmix: { p: 0.5, alpha: 1 } },
};

type Json = Record<string, unknown>;

/**
 * Parses the command line into a training config (flags over the `--config` file's JSON, which the caller reads
 * and passes as `baseConfig`). Returns null for --help. Throws `CliUsageError` on a bad flag or value.
 */
export function parseTrainArgs(
  argv: readonly string[],
  baseConfig: Json = {},
  now = new Date(),
): TrainCliOptions | null {
  let values: Partial<Record<keyof typeof FLAGS, string | boolean>>;
  const { rest, values: configValues } = extractConfigFlags(argv);
  try {
    ({ values } = parseArgs({ args: rest, options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return null;
  const str = (key: keyof typeof FLAGS): string | undefined => {
    const value = values[key];
    return typeof value === 'string' ? value : undefined;
  };
  const num = (key: keyof typeof FLAGS): number | undefined => {
    const text = str(key);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value))
      throw new CliUsageError(`--${key} needs a number, got "${text}"`);
    return value;
  };

  const config: Json = structuredClone(baseConfig);
  const section = (key: string): Json => {
    const existing = config[key];
    const value: Json = typeof existing === 'object' && existing !== null ? (existing as Json) : {};
    config[key] = value;
    return value;
  };
  const set = (target: Json, key: string, value: unknown): void => {
    if (value !== undefined) target[key] = value;
  };

  const data = section('data');
  const dataPath = str('data');
  if (dataPath !== undefined) data.source = { kind: 'folder', path: dataPath };
  if (data.source === undefined)
    throw new CliUsageError('--data <folder> is required (or a data.source in --config)');
  set(data, 'task', str('task'));
  set(data, 'okClassNames', str('ok-classes')?.split(',').filter(Boolean));
  set(data, 'limitPerClass', num('limit-per-class'));
  set(config, 'seed', num('seed'));
  const test = num('test-fraction');
  const validation = num('validation-fraction');
  if (test !== undefined || validation !== undefined) {
    for (const [flag, value] of [
      ['test-fraction', test],
      ['validation-fraction', validation],
    ] as const) {
      if (value !== undefined && !(value > 0 && value < 1))
        throw new CliUsageError(`--${flag} must be between 0 and 1 (exclusive), got ${value}`);
    }
    // Train takes what the two leave (a share from --config would no longer add up).
    const { train: _train, ...given } = (data.split ?? {}) as Json;
    const split: Json = {
      ...given,
      ...(test === undefined ? {} : { test }),
      ...(validation === undefined ? {} : { validation }),
    };
    data.split = split;
    const left = 1 - Number(split.test ?? 0.15) - Number(split.validation ?? 0.15);
    if (!(left > 1e-9))
      throw new CliUsageError('--test-fraction and --validation-fraction leave nothing to train on');
  }

  const arch = str('arch');
  if (arch !== undefined || config.model === undefined) config.model = modelFor(arch ?? 'resnet18');
  const model = section('model');
  if (model.arch === 'resnet') {
    set(model, 'width', num('width'));
    set(model, 'pooling', str('pooling'));
  } else if (str('pooling') !== undefined) {
    throw new CliUsageError('--pooling applies to --arch resnet* only');
  }
  if (model.arch === 'mobilenetv2') set(model, 'alpha', num('alpha'));
  const vit = str('vit');
  if (vit !== undefined) {
    if (model.arch !== 'vit') throw new CliUsageError('--vit needs --arch vit');
    const [patchSize, dim, depth, heads] = vit.split(',').map(Number);
    if (![patchSize, dim, depth, heads].every((v) => Number.isInteger(v) && v > 0)) {
      throw new CliUsageError(`--vit needs patch,dim,depth,heads, got "${vit}"`);
    }
    Object.assign(model, { patchSize, dim, depth, heads });
  }
  const size = str('size');
  if (size !== undefined) model.inputSize = parseSize(size);
  set(section('preprocess'), 'resize', str('resize'));
  set(config, 'dropout', num('dropout'));
  set(config, 'init', str('init'));

  set(config, 'epochs', num('epochs'));
  set(config, 'batchSize', num('batch'));
  const optimizer = section('optimizer');
  set(optimizer, 'kind', str('optimizer'));
  set(optimizer, 'momentum', num('momentum'));
  if (values.nesterov) optimizer.nesterov = true;
  set(config, 'weightDecay', num('weight-decay'));
  set(config, 'clipNorm', num('clip-norm'));
  const schedule = section('schedule');
  set(schedule, 'kind', str('schedule'));
  set(schedule, 'lr', num('lr'));
  set(schedule, 'every', num('step-every'));
  const warmup = num('warmup');
  if (warmup !== undefined) schedule.warmup = { steps: warmup, startLr: 0 };
  const augment = str('augment');
  if (augment !== undefined) config.augment = augmentFor(augment);
  set(config, 'imbalance', str('imbalance'));
  set(config, 'labelSmoothing', num('label-smoothing'));
  const early = section('earlyStopping');
  set(early, 'patience', num('patience'));
  set(early, 'metric', str('early-metric'));
  if (values['no-early-stopping']) early.enabled = false;
  if (values.tta) section('evaluation').testTimeAugmentation = true;

  const checklist = section('checklist');
  if (values['no-checklist']) {
    for (const check of ['initialLoss', 'overfit', 'lrRange']) checklist[check] = { enabled: false };
  }
  const lrRange = str('lr-range');
  if (lrRange !== undefined) {
    if (!['off', 'report', 'apply'].includes(lrRange))
      throw new CliUsageError(`--lr-range must be off, report or apply`);
    checklist.lrRange = {
      ...(checklist.lrRange as Json | undefined),
      enabled: lrRange !== 'off',
      apply: lrRange === 'apply',
    };
  }

  const distill = str('distill');
  const teacher = str('teacher');
  if (distill !== undefined) {
    if (teacher === undefined) throw new CliUsageError('--distill needs --teacher <artifact folder>');
    if (model.arch !== 'vit') throw new CliUsageError('--distill needs --arch vit');
    model.distillationToken = true;
    const distillation = section('distillation');
    distillation.mode = distill;
    set(distillation, 'alpha', num('distill-alpha'));
    set(distillation, 'tau', num('tau'));
  }

  // model.arch first: it replaces the model section, which the other model.* flags then fill.
  configValues.sort(([a], [b]) => Number(b === 'model.arch') - Number(a === 'model.arch'));
  for (const [key, value] of configValues) {
    if (key === 'model.arch' && (config.model as Json | undefined)?.arch !== value)
      config.model = { arch: value };
    setPath(config, key, value);
  }

  const backend = str('backend');
  if (backend !== undefined && !['wasm', 'cpu', 'tensorflow'].includes(backend)) {
    throw new CliUsageError(`--backend must be wasm, cpu or tensorflow`);
  }
  const archName = arch ?? String(model.arch);
  return {
    config: config as TrainingConfigInput,
    out: str('out') ?? 'runs',
    name: str('name') ?? `${archName}-${now.toISOString().replace(/[:.]/g, '-')}`,
    teacher,
    configFile: str('config'),
    backend: backend as TrainCliOptions['backend'],
    checkpoints: !values['no-checkpoints'],
    quiet: values.quiet === true,
  };
}

/** The --config flag alone, so the caller can read the file before parsing the rest. */
export function configFileOf(argv: readonly string[]): string | undefined {
  const index = argv.findIndex((arg) => arg === '--config' || arg.startsWith('--config='));
  if (index === -1) return undefined;
  const arg = argv[index];
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
}

function modelFor(arch: string): Json {
  const resnet = /^resnet(10|18|34|50)$/.exec(arch);
  if (resnet) return { arch: 'resnet', depth: Number(resnet[1]) };
  if (arch === 'mobilenetv2') return { arch: 'mobilenetv2' };
  if (arch === 'vit') return { arch: 'vit' };
  throw new CliUsageError(
    `--arch must be resnet10, resnet18, resnet34, resnet50, mobilenetv2 or vit, got "${arch}"`,
  );
}

function parseSize(text: string): number | [number, number] {
  const match = /^(\d+)(?:x(\d+))?$/.exec(text);
  if (!match) throw new CliUsageError(`--size must be N or HxW, got "${text}"`);
  return match[2] === undefined ? Number(match[1]) : [Number(match[1]), Number(match[2])];
}

function augmentFor(list: string): Json {
  const out: Json = {};
  for (const name of list.split(',').filter(Boolean)) {
    const options = AUGMENTATIONS[name];
    if (!options)
      throw new CliUsageError(
        `unknown augmentation "${name}"; known: ${Object.keys(AUGMENTATIONS).join(', ')}`,
      );
    Object.assign(out, options);
  }
  return out;
}
