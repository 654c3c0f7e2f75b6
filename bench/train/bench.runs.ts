import os from 'node:os';
import path from 'node:path';
import { type TrainingConfigInput } from '@linescope/training/engine';

/** Repository root, from bench/train (or dist/bench/train once built). */
function repoRoot(): string {
  const here = path.resolve(__dirname);
  const parts = here.split(path.sep);
  const distIndex = parts.lastIndexOf('dist');
  return distIndex === -1
    ? path.resolve(here, '..', '..')
    : parts.slice(0, distIndex).join(path.sep) || path.sep;
}

/** The read-only datasets beside the repository. */
export const SHARED_DATASETS = path.resolve(repoRoot(), '..', 'shared', 'datasets');

export type RunId =
  | 'mt-binary'
  | 'mt-6class'
  | 'neu-6class'
  | 'vit-plain'
  | 'vit-distilled'
  | 'mt-binary-mnv2'
  | 'mt-6class-mnv2';
/** In the order they run: the quick ones first, so a long benchmark reports them early. */
export const RUN_IDS: readonly RunId[] = [
  'neu-6class',
  'vit-plain',
  'vit-distilled',
  'mt-binary',
  'mt-6class',
  'mt-binary-mnv2',
  'mt-6class-mnv2',
];

/** Where the bench exports nsfwjs' MobileNetV2 (`exportNsfwjsMobileNet`) for the `-mnv2` runs by default. */
export const DEFAULT_PRETRAINED_DIR = path.join(os.tmpdir(), 'linescope-bench', 'nsfwjs-mobilenetv2');

export interface BenchRun {
  id: RunId;
  title: string;
  /** What the brief asks of this run, in words, and the check. */
  goal: string;
  meets(metrics: Record<string, number>, others: Map<RunId, Record<string, number>>): boolean | null;
  config: TrainingConfigInput;
  /** The ViT runs distil from (or compare with) the CNN of this run. */
  teacherRun?: RunId;
  /** Folder the bench must fill with the exported nsfwjs MobileNetV2 before this run. */
  nsfwjsExport?: string;
}

export interface BenchScale {
  /** Overrides every run's epochs. */
  epochs?: number;
  /** Overrides the ViT runs' epochs only (attention is the slow part on wasm). */
  vitEpochs?: number;
  limitPerClass?: number;
  /** Overrides the CNNs' input size (ViT runs keep a size divisible by their patch). */
  size?: number;
  /** Small, fast settings to check the bench end to end. */
  quick: boolean;
  seed: number;
  /** Folder holding magnetic-tile/ and neu-cls/; default the shared datasets beside the repository. */
  datasets?: string;
  /** DeiT variant of the distilled ViT; default hard. */
  distill?: 'hard' | 'soft';
  /** Train every run for all its epochs. */
  noEarlyStopping?: boolean;
  /** Overrides the MobileNetV2 runs' last frozen layer. */
  freezeUpTo?: string;
  /** Folder for the exported nsfwjs MobileNetV2; default DEFAULT_PRETRAINED_DIR. */
  pretrainedDir?: string;
  /** MobileNetV2 runs: re-estimate the frozen batch norms' statistics on the tiles first (AdaBN). */
  recalibrateBatchNorms?: boolean;
}

const flips = { horizontalFlip: { p: 0.5 }, verticalFlip: { p: 0.5 } };
/** The cheap checks only: the overfit and lr-range phases would add minutes per run on one wasm thread. */
const benchChecklist = {
  initialLoss: { enabled: true },
  overfit: { enabled: false },
  lrRange: { enabled: false },
  curves: { enabled: true },
};

interface CnnRecipe {
  size: number;
  epochs: number;
  imbalance: 'none' | 'weighted-loss' | 'balanced-sampling';
  augment: TrainingConfigInput['augment'];
  pooling?: 'avg' | 'max';
  labelSmoothing?: number;
  patience: number;
}

function cnn(
  dataset: string,
  task: 'ok-vs-defect' | 'multiclass',
  scale: BenchScale,
  recipe: CnnRecipe,
): TrainingConfigInput {
  return {
    seed: scale.seed,
    data: {
      source: { kind: 'folder', path: path.join(scale.datasets ?? SHARED_DATASETS, dataset) },
      task,
      ...(scale.limitPerClass ? { limitPerClass: scale.limitPerClass } : {}),
    },
    model: {
      arch: 'resnet',
      depth: 10,
      width: scale.quick ? 8 : 16,
      inputSize: scale.size ?? (scale.quick ? 48 : recipe.size),
      ...(recipe.pooling ? { pooling: recipe.pooling } : {}),
    },
    batchSize: 32,
    epochs: scale.epochs ?? (scale.quick ? 3 : recipe.epochs),
    optimizer: { kind: 'adamw' },
    weightDecay: 1e-4,
    schedule: { kind: 'cosine', lr: 2e-3, ...(scale.quick ? {} : { warmup: { steps: 30, startLr: 1e-4 } }) },
    augment: recipe.augment,
    imbalance: recipe.imbalance,
    ...(recipe.labelSmoothing ? { labelSmoothing: recipe.labelSmoothing } : {}),
    earlyStopping: {
      enabled: true,
      // Validation loss for the classes: on magnetic-tile 71% of the images are ok and accuracy peaks at that
      // majority rate in the first epoch, which would stop a run before it learns the defect types.
      metric: task === 'ok-vs-defect' ? 'valRocAuc' : 'valLoss',
      patience: recipe.patience,
    },
    checklist: benchChecklist,
    // Scored under the flips and quarter turns every recipe here trains with; the image alone is reported beside.
    evaluation: { testTimeAugmentation: true },
  };
}

/**
 * A small DeiT: attention on one wasm thread is slow (about 1 s per batch of 32 at 16 tokens, dim 48, depth 4),
 * so 16 patches of the teacher's 64 px input.
 */
function vit(teacher: TrainingConfigInput, scale: BenchScale, distilled: boolean): TrainingConfigInput {
  const size = scale.quick ? 32 : 64;
  return {
    ...teacher,
    model: {
      arch: 'vit',
      patchSize: scale.quick ? 8 : 16,
      dim: scale.quick ? 32 : 48,
      depth: scale.quick ? 2 : 4,
      heads: scale.quick ? 2 : 3,
      mlpRatio: 2,
      distillationToken: true,
      inputSize: size,
    },
    epochs: scale.vitEpochs ?? scale.epochs ?? (scale.quick ? 3 : 80),
    weightDecay: 0.05,
    dropout: 0.1,
    labelSmoothing: 0,
    schedule: { kind: 'cosine', lr: 1e-3, ...(scale.quick ? {} : { warmup: { steps: 100, startLr: 1e-5 } }) },
    // DeiT's lesson: a ViT from scratch on little data needs strong augmentation and many epochs.
    augment: {
      ...flips,
      rotate90: { p: 0.5 },
      shift: { p: 0.5, maxFraction: 0.1 },
      resizedCrop: { p: 0.5, scale: [0.7, 1], ratio: [0.8, 1.25] },
      brightness: { p: 0.5, maxDelta: 0.1 },
      contrast: { p: 0.5, range: [0.8, 1.2] },
    },
    earlyStopping: { enabled: false },
    ...(distilled ? { distillation: { mode: scale.distill ?? 'hard' } } : {}),
  };
}

/**
 * The ImageNet-derived Keras MobileNetV2-1.0 from nsfwjs, fine-tuned. One wasm thread trains the whole network at
 * about 1 image/s, so the backbone is frozen up to the end of block 12: the convolutions of blocks 13-16, Conv_1
 * and the head train, at the last 10x10 and 5x5 resolutions of a 160 px input (the frozen forward pass is most
 * of the work). The trainable blocks' batch norms adapt to the tiles, with a faster moving average.
 */
function mobilenetV2(
  base: TrainingConfigInput,
  scale: BenchScale,
  epochs: number,
  earlyStoppingMetric: 'valRocAuc' | 'valLoss',
): TrainingConfigInput {
  return {
    ...base,
    model: { arch: 'mobilenetv2', alpha: 1, inputSize: scale.size ?? (scale.quick ? 64 : 160) },
    // The backbone's own pixel scaling (Keras mobilenet_v2.preprocess_input, [-1, 1]), not nsfwjs' [0, 1]: the
    // ImageNet weights and moving statistics were fitted to it; nsfwjs' head only adapted to the other.
    preprocess: { normalization: 'mobilenet' },
    epochs: scale.epochs ?? (scale.quick ? 2 : epochs),
    optimizer: { kind: 'adamw' },
    weightDecay: 1e-4,
    schedule: { kind: 'cosine', lr: 1e-3, ...(scale.quick ? {} : { warmup: { steps: 20, startLr: 1e-4 } }) },
    // Tiles have no orientation: every flip and quarter turn is another valid tile.
    augment: { ...flips, rotate90: { p: 0.75 } },
    imbalance: 'weighted-loss',
    earlyStopping: { enabled: true, metric: earlyStoppingMetric, patience: 4 },
    fineTune: {
      pretrained: { kind: 'folder', path: scale.pretrainedDir ?? DEFAULT_PRETRAINED_DIR },
      freezeUpTo: scale.freezeUpTo ?? 'block_12_add',
      // Measured on ok-vs-defect, 2 epochs each: at the model's momentum (0.999) the moving statistics lagged the
      // batch ones and validation ROC AUC stayed at 0.47; with every batch norm frozen (ImageNet statistics) the
      // tiles' pooled features are nearly all zero and the training loss did not move from ln 2.
      batchNormMomentum: 0.9,
      ...(scale.recalibrateBatchNorms ? { recalibrateBatchNorms: true } : {}),
    },
  };
}

/** The benchmark's runs, at full size or scaled down. */
export function benchRuns(scale: BenchScale): BenchRun[] {
  // Tiles have no orientation: every flip and quarter turn is another valid tile; so is a steel patch.
  const turns = { ...flips, rotate90: { p: 0.5 } };
  // Measured: 30 epochs left both tile models still improving; 50 (ok-vs-defect) and 70 (six classes) did not.
  const tiles: CnnRecipe = {
    size: 160,
    epochs: 50,
    imbalance: 'weighted-loss',
    augment: turns,
    pooling: 'max',
    patience: 15,
  };
  const mtBinary = cnn('magnetic-tile', 'ok-vs-defect', scale, tiles);
  const mtSix = cnn('magnetic-tile', 'multiclass', scale, {
    ...tiles,
    epochs: 70,
    imbalance: 'none',
    patience: 20,
  });
  const neu = cnn('neu-cls', 'multiclass', scale, {
    size: 64,
    epochs: 50,
    imbalance: 'none',
    augment: { ...turns, shift: { p: 0.5, maxFraction: 0.1 }, rotation: { p: 0.5, maxDegrees: 15 } },
    labelSmoothing: 0.1,
    patience: 12,
  });
  const runs: BenchRun[] = [
    {
      id: 'mt-binary',
      title: 'magnetic-tile ok-vs-defect',
      goal: 'ROC AUC >= 0.98',
      meets: (m) => m.rocAuc >= 0.98,
      config: mtBinary,
    },
    {
      id: 'mt-6class',
      title: 'magnetic-tile six classes',
      goal: 'accuracy > 90%',
      meets: (m) => m.accuracy > 0.9,
      config: mtSix,
    },
    {
      id: 'neu-6class',
      title: 'neu-cls six classes',
      goal: 'accuracy >= 99%',
      meets: (m) => m.accuracy >= 0.99,
      config: neu,
    },
    {
      id: 'vit-plain',
      title: 'ViT student, no teacher (neu-cls)',
      goal: 'baseline for distillation',
      meets: () => null,
      config: vit(neu, scale, false),
    },
    {
      id: 'vit-distilled',
      title: `ViT student, ${scale.distill ?? 'hard'} distillation (neu-cls)`,
      goal: '>= 2 points above the plain ViT',
      meets: (m, others) => {
        const plain = others.get('vit-plain');
        return plain === undefined ? null : m.accuracy - plain.accuracy >= 0.02;
      },
      config: vit(neu, scale, true),
      teacherRun: 'neu-6class',
    },
    {
      id: 'mt-binary-mnv2',
      title: 'magnetic-tile ok-vs-defect, pretrained MobileNetV2',
      goal: 'ROC AUC >= 0.98',
      meets: (m) => m.rocAuc >= 0.98,
      config: mobilenetV2(mtBinary, scale, 10, 'valRocAuc'),
      nsfwjsExport: scale.pretrainedDir ?? DEFAULT_PRETRAINED_DIR,
    },
    {
      id: 'mt-6class-mnv2',
      title: 'magnetic-tile six classes, pretrained MobileNetV2',
      goal: 'accuracy > 90%',
      meets: (m) => m.accuracy > 0.9,
      config: mobilenetV2(mtSix, scale, 10, 'valLoss'),
      nsfwjsExport: scale.pretrainedDir ?? DEFAULT_PRETRAINED_DIR,
    },
  ];
  const ordered = RUN_IDS.map((id) => runs.find((run) => run.id === id) as BenchRun);
  if (!scale.noEarlyStopping) return ordered;
  return ordered.map((run) => ({
    ...run,
    config: { ...run.config, earlyStopping: { ...run.config.earlyStopping, enabled: false } },
  }));
}
