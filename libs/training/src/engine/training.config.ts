import { z } from 'zod';
import { augmentOptionsSchema } from '../augment/augment.options';
import { parseScheduleOptions, warmupSchema, type ScheduleOptions } from '../schedules/schedule.options';
import { deriveSeed } from '../random/rng';
// Deep imports, not the folders' index files: validating a configuration (the API does) must load no tensor code.
import { ARCH_DEFAULTS, DEFAULT_DROPOUT, DEFAULT_INIT } from '@linescope/vision/models/model.defaults';
import { type Arch, type ModelSpec } from '@linescope/vision/models/model.types';
import { NORMALIZATION_FAMILIES } from '@linescope/vision/preprocess/pixel.normalization';
import { type PreprocessSpec } from '@linescope/vision/preprocess/preprocess-spec.schema';
import { RESIZE_POLICIES } from '@linescope/vision/preprocess/resize.policy';
import { type TestTimeView, viewsFromSymmetries } from '@linescope/vision/test-time/test-time.views';

const probability = z.number().min(0).max(1);
const fraction = z.number().min(0).max(1);
const positiveInt = z.number().int().positive();

const sampleSchema = z
  .object({
    /** A file path, or an object key read through the caller's `readImage`. */
    key: z.string().min(1),
    className: z.string().min(1),
  })
  .strict();

const dataSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('folder'), path: z.string().min(1) }).strict(),
  z
    .object({
      kind: z.literal('samples'),
      /** Label order of the model's outputs; every sample's class must be listed. */
      classNames: z.array(z.string().min(1)).min(2),
      samples: z.array(sampleSchema).min(2),
    })
    .strict(),
]);

const dataSchema = z
  .object({
    source: dataSourceSchema,
    task: z.enum(['ok-vs-defect', 'multiclass']).default('ok-vs-defect'),
    /** Classes that mean "good part"; every other class is a defect. */
    okClassNames: z.array(z.string().min(1)).min(1).default(['ok']),
    split: z
      .object({ train: fraction, validation: fraction, test: fraction })
      .strict()
      .default({ train: 0.7, validation: 0.15, test: 0.15 }),
    /** Keep at most this many images of each original class (seeded draw), for quick runs. */
    limitPerClass: positiveInt.optional(),
  })
  .strict()
  .superRefine((data, ctx) => {
    const total = data.split.train + data.split.validation + data.split.test;
    if (Math.abs(total - 1) > 1e-9) {
      ctx.addIssue({ code: 'custom', path: ['split'], message: `fractions must sum to 1, got ${total}` });
    }
    if (!(data.split.train > 0 && data.split.validation > 0 && data.split.test > 0)) {
      ctx.addIssue({
        code: 'custom',
        path: ['split'],
        message: 'train, validation and test all need a share',
      });
    }
  });

const inputSizeSchema = z.union([positiveInt, z.tuple([positiveInt, positiveInt])]);

/** The zoo's ModelSpec without what the engine fills in (classes from the data; init and dropout from the config). */
const modelSchema = z.discriminatedUnion('arch', [
  z
    .object({
      arch: z.literal('mobilenetv2'),
      alpha: z.union([z.literal(0.35), z.literal(0.5), z.literal(0.75), z.literal(1)]).default(1),
      inputSize: inputSizeSchema.optional(),
      name: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      arch: z.literal('resnet'),
      depth: z.union([z.literal(10), z.literal(18), z.literal(34), z.literal(50)]).default(18),
      residual: z.boolean().default(true),
      width: positiveInt.default(64),
      pooling: z.enum(['avg', 'max']).default('avg'),
      inputSize: inputSizeSchema.optional(),
      name: z.string().min(1).optional(),
    })
    .strict(),
  z
    .object({
      arch: z.literal('vit'),
      patchSize: positiveInt.default(16),
      dim: positiveInt.default(192),
      depth: positiveInt.default(12),
      heads: positiveInt.default(3),
      mlpRatio: z.number().positive().default(4),
      distillationToken: z.boolean().default(false),
      inputSize: inputSizeSchema.optional(),
      name: z.string().min(1).optional(),
    })
    .strict(),
]);

const preprocessSchema = z
  .object({
    resize: z.enum(RESIZE_POLICIES as [PreprocessSpec['resize'], ...PreprocessSpec['resize'][]]).optional(),
    normalization: z
      .enum(NORMALIZATION_FAMILIES as [PreprocessSpec['normalization'], ...PreprocessSpec['normalization'][]])
      .optional(),
    maxPixels: positiveInt.optional(),
  })
  .strict();

const optimizerSchema = z
  .object({
    kind: z.enum(['sgd', 'adam', 'adamw']).default('adamw'),
    /** SGD only. 0 is plain SGD. */
    momentum: z.number().min(0).lt(1).default(0.9),
    nesterov: z.boolean().default(false),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().positive().default(1e-7),
  })
  .strict();

/**
 * The schedule as in `ScheduleOptions`, except that cosine and linear may leave `totalSteps` out: it then
 * becomes epochs x steps per epoch once the data is known, and the filled-in value is what the resolved
 * config records.
 */
const scheduleSchema = z
  .object({
    kind: z.enum(['constant', 'step', 'cosine', 'linear']).default('cosine'),
    lr: z.number().positive().default(1e-3),
    warmup: warmupSchema.optional(),
    gamma: z.number().positive().optional(),
    every: positiveInt.optional(),
    milestones: z.array(positiveInt).nonempty().optional(),
    totalSteps: positiveInt.optional(),
    minLr: z.number().nonnegative().optional(),
    endLr: z.number().nonnegative().optional(),
  })
  .strict();

const earlyStoppingSchema = z
  .object({
    enabled: z.boolean().default(true),
    metric: z.enum(['valLoss', 'valAccuracy', 'valRocAuc']).default('valLoss'),
    /** Epochs without improvement before stopping. */
    patience: positiveInt.default(5),
    /** Smallest change that counts as an improvement. */
    minDelta: z.number().nonnegative().default(0),
  })
  .strict();

const candidateSchema = z
  .object({
    name: z.string().min(1),
    overrides: z
      .object({
        optimizer: z.enum(['sgd', 'adam', 'adamw']).optional(),
        lr: z.number().positive().optional(),
        weightDecay: z.number().nonnegative().optional(),
        momentum: z.number().min(0).lt(1).optional(),
        labelSmoothing: z.number().min(0).lt(1).optional(),
      })
      .strict(),
  })
  .strict();

const checklistSchema = z
  .object({
    initialLoss: z
      .object({ enabled: z.boolean().default(true), batches: positiveInt.default(3) })
      .strict()
      .default({}),
    overfit: z
      .object({
        enabled: z.boolean().default(true),
        /** Images memorised (about a batch or two). */
        samples: positiveInt.default(32),
        steps: positiveInt.default(60),
        /** Default: the schedule's peak lr. */
        lr: z.number().positive().optional(),
      })
      .strict()
      .default({}),
    lrRange: z
      .object({
        enabled: z.boolean().default(true),
        iterations: z.number().int().min(10).default(100),
        minLr: z.number().positive().default(1e-6),
        maxLr: z.number().positive().default(1),
        /** Train with the proposed rate instead of `schedule.lr` (otherwise only reported). */
        apply: z.boolean().default(false),
      })
      .strict()
      .default({}),
    candidates: z
      .object({
        runs: z.array(candidateSchema).default([]),
        epochs: z.number().int().min(1).max(5).default(2),
        metric: z.enum(['valAcc', 'valLoss']).default('valAcc'),
      })
      .strict()
      .default({}),
    curves: z
      .object({ enabled: z.boolean().default(true) })
      .strict()
      .default({}),
  })
  .strict();

const distillationSchema = z
  .object({
    mode: z.enum(['none', 'hard', 'soft']).default('none'),
    /** Soft distillation: weight of the teacher term. */
    alpha: probability.default(0.5),
    /** Soft distillation: softmax temperature. */
    tau: z.number().positive().default(3),
    /** Artifact prefix of the teacher in the artifact store; recorded as the model's teacher. */
    teacher: z.string().min(1).optional(),
  })
  .strict();

const evaluationSchema = z
  .object({
    targetRecall: z.number().gt(0).max(1).default(0.99),
    band: z
      .object({
        safeRecall: z.number().gt(0).max(1).default(0.999),
        safePrecision: z.number().gt(0).max(1).default(0.99),
        minMargin: z.number().min(0).max(0.5).default(0),
      })
      .strict()
      .default({}),
    calibrationBins: positiveInt.default(10),
    /**
     * Score every test, validation and served image under each symmetry the model was trained under (the views
     * `horizontalFlip`, `verticalFlip` and `rotate90` generate) and average the probabilities: up to 8 forward
     * passes per image at the line, so off by default. Per-epoch validation (early stopping) scores single views.
     */
    testTimeAugmentation: z.boolean().default(false),
  })
  .strict();

const fineTuneSchema = z
  .object({
    pretrained: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('artifact'), prefix: z.string().min(1) }).strict(),
        z.object({ kind: z.literal('folder'), path: z.string().min(1) }).strict(),
      ])
      .optional(),
    /** Freeze every top-level layer up to and including this one. */
    freezeUpTo: z.string().min(1).optional(),
    /**
     * Also freeze the batch norms of the layers left trainable (they then normalise with their moving statistics,
     * in training too), the Keras fine-tuning recipe. A trainable batch norm normalises with the batch's statistics
     * while training but with moving ones at inference, and with Keras' momentum of 0.999 those take thousands of
     * steps to leave the pretraining data's: a short fine-tune would be validated on other features than it trained.
     */
    freezeBatchNorms: z.boolean().optional(),
    /**
     * Moving-average momentum of the batch norms left trainable, instead of the model's (0.999 in MobileNetV2): with
     * e.g. 0.9 their moving statistics follow the new data within a few dozen steps, so that validation and
     * inference normalise like training does.
     */
    batchNormMomentum: z.number().gt(0).lt(1).optional(),
    /**
     * Before training, re-estimate every batch norm's moving statistics (frozen ones included) on the training
     * images (AdaBN): for a backbone pretrained on very different images.
     */
    recalibrateBatchNorms: z.boolean().optional(),
  })
  .strict();

export const trainingConfigSchema = z
  .object({
    seed: z.number().int().nonnegative().default(0),
    data: dataSchema,
    model: modelSchema,
    preprocess: preprocessSchema.default({}),
    init: z.enum(['he', 'xavier', 'small-random', 'zeros']).default(DEFAULT_INIT),
    dropout: z.number().min(0).lt(1).default(DEFAULT_DROPOUT),
    /**
     * The classifier heads' initial kernels are multiplied by this (biases zeroed) so the untrained model's logits
     * start near 0 and its loss near ln(C); 1 keeps the zoo's initialisation. Not applied to heads copied from a
     * pretrained model.
     */
    headInitScale: z.number().min(0).max(1).default(0.01),
    optimizer: optimizerSchema.default({}),
    /** Kernels only (never biases, norms, tokens or position embeddings); decoupled for adamw, L2 otherwise. */
    weightDecay: z.number().nonnegative().optional(),
    /** Global-norm clipping of the gradients; none when absent. */
    clipNorm: z.number().positive().optional(),
    batchSize: positiveInt.default(32),
    epochs: positiveInt.default(30),
    schedule: scheduleSchema.default({}),
    augment: augmentOptionsSchema.default({}),
    imbalance: z.enum(['none', 'weighted-loss', 'balanced-sampling']).default('none'),
    labelSmoothing: z.number().min(0).lt(1).default(0),
    earlyStopping: earlyStoppingSchema.default({}),
    checklist: checklistSchema.default({}),
    distillation: distillationSchema.default({}),
    evaluation: evaluationSchema.default({}),
    fineTune: fineTuneSchema.default({}),
  })
  .strict();

/** What a caller writes: JSON with most fields left out. */
export type TrainingConfigInput = z.input<typeof trainingConfigSchema>;

/** Every default filled in: saved beside the model, enough to reproduce the run. */
export type TrainingConfig = Omit<z.output<typeof trainingConfigSchema>, 'weightDecay' | 'model'> & {
  weightDecay: number;
  model: z.output<typeof modelSchema> & { inputSize: [number, number] };
  preprocess: Required<Pick<PreprocessSpec, 'resize' | 'normalization'>> & { maxPixels?: number };
};

export type ModelConfig = TrainingConfig['model'];
export type OptimizerKind = TrainingConfig['optimizer']['kind'];
export type ScheduleConfig = TrainingConfig['schedule'];
export type EarlyStoppingConfig = TrainingConfig['earlyStopping'];
export type ChecklistConfig = TrainingConfig['checklist'];
export type CandidateConfig = ChecklistConfig['candidates']['runs'][number];
export type DistillationConfig = TrainingConfig['distillation'];
export type DataSourceConfig = TrainingConfig['data']['source'];

export class InvalidTrainingConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid training config: ${issues.join('; ')}`);
    this.name = 'InvalidTrainingConfigError';
  }
}

/** Weight decay when the config leaves it out: L2 for SGD as in the ResNet recipe, AdamW's usual 0.05, none for Adam. */
export const DEFAULT_WEIGHT_DECAY: Readonly<Record<OptimizerKind, number>> = {
  sgd: 5e-4,
  adam: 0,
  adamw: 0.05,
};

/**
 * Validates a config (plain JSON) and fills in every default, so the result alone reproduces the run.
 * Throws an `InvalidTrainingConfigError` listing every problem.
 */
export function resolveTrainingConfig(input: unknown): TrainingConfig {
  const parsed = trainingConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidTrainingConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  const value = parsed.data;
  const arch: Arch = value.model.arch;
  const inputSize = resolveSide(value.model.inputSize ?? ARCH_DEFAULTS[arch].inputSize);
  const config: TrainingConfig = {
    ...value,
    weightDecay: value.weightDecay ?? DEFAULT_WEIGHT_DECAY[value.optimizer.kind],
    model: { ...value.model, inputSize },
    preprocess: {
      resize: value.preprocess.resize ?? 'squash',
      normalization: value.preprocess.normalization ?? ARCH_DEFAULTS[arch].preprocessing,
      ...(value.preprocess.maxPixels === undefined ? {} : { maxPixels: value.preprocess.maxPixels }),
    },
  };
  const issues = crossFieldIssues(config);
  if (issues.length > 0) throw new InvalidTrainingConfigError(issues);
  return config;
}

function resolveSide(size: number | [number, number]): [number, number] {
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

function crossFieldIssues(config: TrainingConfig): string[] {
  const issues: string[] = [];
  const { model, distillation, data } = config;
  if (model.arch === 'vit') {
    const [height, width] = model.inputSize;
    if (height % model.patchSize !== 0 || width % model.patchSize !== 0) {
      issues.push(`model.inputSize: ${height}x${width} is not divisible by patchSize ${model.patchSize}`);
    }
    if (model.dim % model.heads !== 0)
      issues.push(`model.dim: ${model.dim} is not divisible by ${model.heads} heads`);
  }
  if (config.augment.rotate90 && model.inputSize[0] !== model.inputSize[1]) {
    // A quarter turn swaps height and width: the batch would no longer fit the model's input.
    issues.push(
      `augment.rotate90: needs a square input, model.inputSize is ${model.inputSize[0]}x${model.inputSize[1]}`,
    );
  }
  if (config.evaluation.testTimeAugmentation && testTimeViewsFor(config).length === 1) {
    issues.push(
      'evaluation.testTimeAugmentation: needs a horizontalFlip, verticalFlip or rotate90 augmentation (the views are the symmetries the model is trained under)',
    );
  }
  if (distillation.mode !== 'none' && !(model.arch === 'vit' && model.distillationToken)) {
    issues.push('distillation: needs a ViT student with distillationToken: true');
  }
  if (data.source.kind === 'samples') {
    const known = new Set(data.source.classNames);
    if (known.size !== data.source.classNames.length) issues.push('data.source.classNames: must be unique');
    const unknown = data.source.samples.find((sample) => !known.has(sample.className));
    if (unknown) issues.push(`data.source.samples: class "${unknown.className}" is not in classNames`);
  }
  if (config.earlyStopping.metric === 'valRocAuc' && !hasOkClassPossible(config)) {
    issues.push(
      'earlyStopping.metric: valRocAuc needs an ok class (ok-vs-defect or a multiclass set with one)',
    );
  }
  if (config.checklist.lrRange.maxLr <= config.checklist.lrRange.minLr) {
    issues.push('checklist.lrRange: maxLr must exceed minLr');
  }
  try {
    // Checks everything but totalSteps, which is only known once the data is: a generous stand-in is used.
    scheduleOptionsFor(config.schedule, Math.max(1_000_000, (config.schedule.warmup?.steps ?? 0) + 1));
  } catch (error) {
    issues.push(`schedule: ${error instanceof Error ? error.message.replace(/\s+/g, ' ') : String(error)}`);
  }
  return issues;
}

function hasOkClassPossible(config: TrainingConfig): boolean {
  if (config.data.task === 'ok-vs-defect') return true;
  if (config.data.source.kind === 'folder') return true;
  const names = config.data.source.classNames;
  return config.data.okClassNames.some((name) => names.includes(name));
}

/**
 * The `ScheduleOptions` for a run of `totalSteps` optimisation steps: fields that do not belong to the kind are
 * dropped, cosine and linear get `totalSteps` when the config left it out. Throws a ZodError when invalid.
 */
/** The test-time views of a run: the identity alone unless `evaluation.testTimeAugmentation` is on. */
export function testTimeViewsFor(config: TrainingConfig): TestTimeView[] {
  if (!config.evaluation.testTimeAugmentation) return ['identity'];
  const { horizontalFlip, verticalFlip, rotate90 } = config.augment;
  return viewsFromSymmetries({
    horizontalFlip: horizontalFlip !== undefined && horizontalFlip.p > 0,
    verticalFlip: verticalFlip !== undefined && verticalFlip.p > 0,
    quarterTurns: rotate90 !== undefined && rotate90.p > 0,
  });
}

export function scheduleOptionsFor(schedule: ScheduleConfig, totalSteps: number): ScheduleOptions {
  const common = { lr: schedule.lr, ...(schedule.warmup ? { warmup: schedule.warmup } : {}) };
  const steps = schedule.totalSteps ?? totalSteps;
  switch (schedule.kind) {
    case 'constant':
      return parseScheduleOptions({ kind: 'constant', ...common });
    case 'step':
      return parseScheduleOptions({
        kind: 'step',
        ...common,
        gamma: schedule.gamma ?? 0.1,
        ...(schedule.every !== undefined ? { every: schedule.every } : {}),
        ...(schedule.milestones !== undefined ? { milestones: schedule.milestones } : {}),
      });
    case 'cosine':
      return parseScheduleOptions({
        kind: 'cosine',
        ...common,
        totalSteps: steps,
        ...(schedule.minLr !== undefined ? { minLr: schedule.minLr } : {}),
      });
    case 'linear':
      return parseScheduleOptions({
        kind: 'linear',
        ...common,
        totalSteps: steps,
        endLr: schedule.endLr ?? 0,
      });
  }
}

/** The zoo spec of the configured model for `numClasses` outputs. */
export function modelSpecFor(
  config: TrainingConfig,
  numClasses: number,
  dropout = config.dropout,
): ModelSpec {
  const { model } = config;
  const common = {
    numClasses,
    inputSize: model.inputSize,
    dropout,
    init: config.init,
    name: model.name,
    seed: deriveSeed(config.seed, 'init'),
  };
  switch (model.arch) {
    case 'mobilenetv2':
      return { ...common, arch: 'mobilenetv2', alpha: model.alpha };
    case 'resnet':
      return {
        ...common,
        arch: 'resnet',
        depth: model.depth,
        residual: model.residual,
        width: model.width,
        pooling: model.pooling,
      };
    case 'vit':
      return {
        ...common,
        arch: 'vit',
        patchSize: model.patchSize,
        dim: model.dim,
        depth: model.depth,
        heads: model.heads,
        mlpRatio: model.mlpRatio,
        distillationToken: model.distillationToken,
      };
  }
}

/** The preprocessing the model is trained with, and the inference service will apply. */
export function preprocessSpecFor(config: TrainingConfig): PreprocessSpec {
  return {
    inputSize: config.model.inputSize,
    resize: config.preprocess.resize,
    normalization: config.preprocess.normalization,
    ...(config.preprocess.maxPixels === undefined ? {} : { maxPixels: config.preprocess.maxPixels }),
  };
}
