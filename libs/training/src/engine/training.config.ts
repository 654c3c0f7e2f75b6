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
  z
    .object({
      kind: z.literal('folder'),
      path: z.string().min(1).describe('Folder of <class>/<image> files'),
    })
    .strict(),
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
    task: z
      .enum(['ok-vs-defect', 'multiclass'])
      .default('ok-vs-defect')
      .describe(
        'ok-vs-defect: one defect score (every non-ok class is a defect); multiclass: one output per class',
      ),
    /** Classes that mean "good part"; every other class is a defect. */
    okClassNames: z
      .array(z.string().min(1))
      .min(1)
      .default(['ok'])
      .describe('Classes that mean "good part"; every other class is a defect'),
    split: z
      .object({
        train: fraction.optional().describe('Share for training; default what validation and test leave'),
        validation: fraction.default(0.15).describe('Share for validation (early stopping, curves)'),
        test: fraction.default(0.15).describe('Share for the final test'),
      })
      .strict()
      // Rounded to 12 digits so 1 - 0.15 - 0.15 is 0.7, not 0.7000000000000001.
      .transform((split) => ({
        train: split.train ?? Number((1 - split.validation - split.test).toFixed(12)),
        validation: split.validation,
        test: split.test,
      }))
      .default({})
      .describe(
        'Shares of the images for training, validation (early stopping) and the final test; they sum to 1',
      ),
    /** Keep at most this many images of each original class (seeded draw), for quick runs. */
    limitPerClass: positiveInt
      .optional()
      .describe('Keep at most this many images of each class (seeded draw), for quick runs; all when absent'),
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
      alpha: z
        .union([z.literal(0.35), z.literal(0.5), z.literal(0.75), z.literal(1)])
        .default(1)
        .describe('MobileNetV2 width multiplier: fewer channels, faster and smaller'),
      inputSize: inputSizeSchema
        .optional()
        .describe("Input side N or [height, width] in pixels (default: the architecture's)"),
      name: z.string().min(1).optional().describe('Name of the network in the saved model'),
    })
    .strict(),
  z
    .object({
      arch: z.literal('resnet'),
      depth: z
        .union([z.literal(10), z.literal(18), z.literal(34), z.literal(50)])
        .default(18)
        .describe('ResNet depth (layers)'),
      residual: z.boolean().default(true).describe('Skip connections (false: a plain CNN of the same shape)'),
      width: positiveInt.default(64).describe('Channels of the stem; every stage scales with it'),
      pooling: z
        .enum(['avg', 'max'])
        .default('avg')
        .describe('Global pooling before the classifier: max keeps small defects on large parts visible'),
      inputSize: inputSizeSchema
        .optional()
        .describe("Input side N or [height, width] in pixels (default: the architecture's)"),
      name: z.string().min(1).optional().describe('Name of the network in the saved model'),
    })
    .strict(),
  z
    .object({
      arch: z.literal('vit'),
      patchSize: positiveInt
        .default(16)
        .describe('Side of the square patches (pixels); divides the input size'),
      dim: positiveInt.default(192).describe('Embedding width; divisible by heads'),
      depth: positiveInt.default(12).describe('Transformer blocks'),
      heads: positiveInt.default(3).describe('Attention heads per block'),
      mlpRatio: z.number().positive().default(4).describe('Hidden width of the MLP as a multiple of dim'),
      distillationToken: z
        .boolean()
        .default(false)
        .describe('DeiT distillation token (needed to distil a CNN teacher)'),
      inputSize: inputSizeSchema
        .optional()
        .describe("Input side N or [height, width] in pixels (default: the architecture's)"),
      name: z.string().min(1).optional().describe('Name of the network in the saved model'),
    })
    .strict(),
]);

const preprocessSchema = z
  .object({
    resize: z
      .enum(RESIZE_POLICIES as [PreprocessSpec['resize'], ...PreprocessSpec['resize'][]])
      .optional()
      .describe('How images reach the input size (default squash)'),
    normalization: z
      .enum(NORMALIZATION_FAMILIES as [PreprocessSpec['normalization'], ...PreprocessSpec['normalization'][]])
      .optional()
      .describe("Pixel normalisation (default: the architecture's)"),
    maxPixels: positiveInt.optional().describe('Refuse images with more pixels than this'),
  })
  .strict();

const optimizerSchema = z
  .object({
    kind: z
      .enum(['sgd', 'adam', 'adamw'])
      .default('adamw')
      .describe('Optimiser (the learning rate is schedule.lr)'),
    momentum: z.number().min(0).lt(1).default(0.9).describe('SGD only; 0 is plain SGD'),
    nesterov: z.boolean().default(false).describe('SGD only: Nesterov momentum'),
    beta1: z.number().min(0).lt(1).default(0.9).describe('Adam/AdamW: first-moment decay'),
    beta2: z.number().min(0).lt(1).default(0.999).describe('Adam/AdamW: second-moment decay'),
    epsilon: z.number().positive().default(1e-7).describe('Adam/AdamW: numerical stabiliser'),
  })
  .strict();

/**
 * The schedule as in `ScheduleOptions`, except that cosine and linear may leave `totalSteps` out: it then
 * becomes epochs x steps per epoch once the data is known, and the filled-in value is what the resolved
 * config records.
 */
const scheduleSchema = z
  .object({
    kind: z
      .enum(['constant', 'step', 'cosine', 'linear'])
      .default('cosine')
      .describe('How the learning rate changes over the run'),
    lr: z.number().positive().default(1e-3).describe('Peak learning rate (after warm-up)'),
    warmup: warmupSchema.optional().describe('Linear warm-up from startLr to lr over the first steps'),
    gamma: z.number().positive().optional().describe('step: factor applied at each step (default 0.1)'),
    every: positiveInt.optional().describe('step: apply gamma every this many steps'),
    milestones: z.array(positiveInt).nonempty().optional().describe('step: apply gamma at these steps'),
    totalSteps: positiveInt
      .optional()
      .describe('cosine/linear: length of the decay (default: epochs x steps per epoch)'),
    minLr: z.number().nonnegative().optional().describe('cosine: rate at the end (default 0)'),
    endLr: z.number().nonnegative().optional().describe('linear: rate at the end (default 0)'),
  })
  .strict();

const earlyStoppingSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Stop when the metric stops improving; keep the best epoch'),
    metric: z
      .enum(['valLoss', 'valAccuracy', 'valRocAuc'])
      .default('valLoss')
      .describe('Validation metric watched'),
    patience: positiveInt.default(5).describe('Epochs without improvement before stopping'),
    minDelta: z.number().nonnegative().default(0).describe('Smallest change that counts as an improvement'),
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
      .object({
        enabled: z.boolean().default(true).describe('Check the untrained loss is near ln(classes)'),
        batches: positiveInt.default(3).describe('Batches averaged'),
      })
      .strict()
      .default({})
      .describe('Initial loss: a flat or biased start points at the initialisation'),
    overfit: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe('Check the model can memorise a small sample, and beats chance on held-out images'),
        samples: positiveInt.default(32).describe('Images memorised (about a batch or two)'),
        steps: positiveInt.default(60).describe('Optimisation steps on them'),
        lr: z.number().positive().optional().describe('Rate of the test (default: schedule.lr)'),
      })
      .strict()
      .default({})
      .describe('Overfit a small sample'),
    lrRange: z
      .object({
        enabled: z.boolean().default(true).describe('Sweep the learning rate and propose one'),
        iterations: z.number().int().min(10).default(100).describe('Steps of the sweep'),
        minLr: z.number().positive().default(1e-6).describe('Rate at the start of the sweep'),
        maxLr: z.number().positive().default(1).describe('Rate at the end of the sweep'),
        apply: z
          .boolean()
          .default(false)
          .describe('Train with the proposed rate instead of schedule.lr (otherwise only reported)'),
      })
      .strict()
      .default({})
      .describe('Learning-rate range test'),
    candidates: z
      .object({
        runs: z
          .array(candidateSchema)
          .default([])
          .describe('Short runs with other settings; the best one is trained'),
        epochs: z.number().int().min(1).max(5).default(2).describe('Epochs of each candidate run'),
        metric: z.enum(['valAcc', 'valLoss']).default('valAcc').describe('How candidates are ranked'),
      })
      .strict()
      .default({})
      .describe('Candidate settings compared before the run'),
    curves: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe('Read the finished curves: plateau, train/validation gap, underfitting'),
      })
      .strict()
      .default({})
      .describe('Curve reading after training'),
  })
  .strict();

const distillationSchema = z
  .object({
    mode: z
      .enum(['none', 'hard', 'soft'])
      .default('none')
      .describe("DeiT distillation of a CNN teacher into a ViT student (the API's teacherId sets hard)"),
    alpha: probability.default(0.5).describe('Soft distillation: weight of the teacher term'),
    tau: z.number().positive().default(3).describe('Soft distillation: softmax temperature'),
    teacher: z
      .string()
      .min(1)
      .optional()
      .describe("Teacher's artifact prefix (set by the server from teacherId)"),
  })
  .strict();

const evaluationSchema = z
  .object({
    targetRecall: z
      .number()
      .gt(0)
      .max(1)
      .default(0.99)
      .describe('Defect recall the operating threshold is chosen for'),
    band: z
      .object({
        safeRecall: z.number().gt(0).max(1).default(0.999).describe('Recall below the uncertain band'),
        safePrecision: z.number().gt(0).max(1).default(0.99).describe('Precision above the uncertain band'),
        minMargin: z.number().min(0).max(0.5).default(0).describe('Smallest half-width of the band'),
      })
      .strict()
      .default({})
      .describe('The uncertain band: scores sent to QA review'),
    calibrationBins: positiveInt.default(10).describe('Bins of the calibration curve'),
    /**
     * Score every test, validation and served image under each symmetry the model was trained under (the views
     * `horizontalFlip`, `verticalFlip` and `rotate90` generate) and average the probabilities: up to 8 forward
     * passes per image at the line, so off by default. Per-epoch validation (early stopping) scores single views.
     */
    testTimeAugmentation: z
      .boolean()
      .default(false)
      .describe('Average the scores over the symmetries trained with (up to 8x compute at the line)'),
  })
  .strict();

const fineTuneSchema = z
  .object({
    pretrained: z
      .discriminatedUnion('kind', [
        z
          .object({
            kind: z.literal('artifact'),
            prefix: z.string().min(1).describe('Artifact prefix of a registered model'),
          })
          .strict(),
        z
          .object({ kind: z.literal('folder'), path: z.string().min(1).describe('Folder of a saved model') })
          .strict(),
      ])
      .optional()
      .describe('Start from these weights (an artifact prefix or a folder)'),
    freezeUpTo: z
      .string()
      .min(1)
      .optional()
      .describe('Freeze every top-level layer up to and including this one'),
    /**
     * Also freeze the batch norms of the layers left trainable (they then normalise with their moving statistics,
     * in training too), the Keras fine-tuning recipe. A trainable batch norm normalises with the batch's statistics
     * while training but with moving ones at inference, and with Keras' momentum of 0.999 those take thousands of
     * steps to leave the pretraining data's: a short fine-tune would be validated on other features than it trained.
     */
    freezeBatchNorms: z.boolean().optional().describe('Also freeze the batch norms left trainable'),
    /**
     * Moving-average momentum of the batch norms left trainable, instead of the model's (0.999 in MobileNetV2): with
     * e.g. 0.9 their moving statistics follow the new data within a few dozen steps, so that validation and
     * inference normalise like training does.
     */
    batchNormMomentum: z
      .number()
      .gt(0)
      .lt(1)
      .optional()
      .describe('Moving-average momentum of the trainable batch norms'),
    /**
     * Before training, re-estimate every batch norm's moving statistics (frozen ones included) on the training
     * images (AdaBN): for a backbone pretrained on very different images.
     */
    recalibrateBatchNorms: z
      .boolean()
      .optional()
      .describe("Re-estimate every batch norm's statistics on the training images first (AdaBN)"),
  })
  .strict();

export const trainingConfigSchema = z
  .object({
    seed: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('Seed of the split, order, augmentation and initialisation'),
    data: dataSchema.describe('Data: the source (set from the dataset picked), task, split'),
    model: modelSchema.describe('Architecture: mobilenetv2, resnet or vit, with its shape'),
    preprocess: preprocessSchema.default({}).describe('Preprocessing'),
    init: z
      .enum(['he', 'xavier', 'small-random', 'zeros'])
      .default(DEFAULT_INIT)
      .describe('Weight initialisation'),
    dropout: z.number().min(0).lt(1).default(DEFAULT_DROPOUT).describe('Dropout before the classifier'),
    /**
     * The classifier heads' initial kernels are multiplied by this (biases zeroed) so the untrained model's logits
     * start near 0 and its loss near ln(C); 1 keeps the zoo's initialisation. Not applied to heads copied from a
     * pretrained model.
     */
    headInitScale: z
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe("Scale of the classifier head's initial weights (logits start near 0)"),
    optimizer: optimizerSchema.default({}).describe('Optimiser'),
    /** Kernels only (never biases, norms, tokens or position embeddings); decoupled for adamw, L2 otherwise. */
    weightDecay: z
      .number()
      .nonnegative()
      .optional()
      .describe('Weight decay on kernels (default: 0.0005 sgd, 0 adam, 0.05 adamw)'),
    /** Global-norm clipping of the gradients; none when absent. */
    clipNorm: z.number().positive().optional().describe('Global gradient-norm clipping; none when absent'),
    batchSize: positiveInt.default(32).describe('Images per optimisation step'),
    epochs: positiveInt.default(30).describe('Passes over the training images (at most: early stopping)'),
    schedule: scheduleSchema.default({}).describe('Learning-rate schedule'),
    augment: augmentOptionsSchema
      .default({})
      .describe('Augmentation (all off by default; turn on only the symmetries the product has)'),
    imbalance: z
      .enum(['none', 'weighted-loss', 'balanced-sampling'])
      .default('none')
      .describe('How rare classes are compensated'),
    labelSmoothing: z.number().min(0).lt(1).default(0).describe('Label smoothing of the loss'),
    earlyStopping: earlyStoppingSchema.default({}).describe('Early stopping'),
    checklist: checklistSchema.default({}).describe('The training checklist run before and after training'),
    distillation: distillationSchema.default({}).describe('Distillation'),
    evaluation: evaluationSchema.default({}).describe('Evaluation and the operating point'),
    fineTune: fineTuneSchema.default({}).describe('Fine-tuning from pretrained weights'),
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
