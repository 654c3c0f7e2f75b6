import { resolveTrainingConfig, type TrainingConfigInput } from '../engine/training.config';

/** A configuration without its data source (the dataset picked sets it). */
export type PresetConfig = Omit<TrainingConfigInput, 'data'> & {
  data?: Omit<TrainingConfigInput['data'], 'source'>;
};

/** A named starting point for a non-expert: the config it sets, and why. */
export interface TrainingPreset {
  id: string;
  title: string;
  description: string;
  /** Merged over the form's values; `data.source` is never set (the dataset picked is). */
  config: PresetConfig;
  /** Needs a CNN teacher (a registered model version) to be picked. */
  needsTeacher: boolean;
}

/**
 * Training images per second of each architecture at a reference input size, measured on this kind of host
 * (2 shared cores, TensorFlow.js wasm, one thread, with validation) by the bench runs in bench/RESULTS.md:
 * ResNet-10 width 16 at 64 px trained 1,260 NEU-CLS images x 50 epochs in 925 s (68 images/s); the ViT
 * 16,48,4,3 at 64 px 1,260 x 80 epochs in 2,313 s (44 images/s); MobileNetV2 is not in those tables and is taken
 * as the ResNet-10's rate at 224 px halved. Scaled by input pixels for other sizes; rough by nature.
 */
export const REFERENCE_IMAGES_PER_SECOND: Readonly<
  Record<'resnet' | 'vit' | 'mobilenetv2', { imagesPerSecond: number; side: number; source: string }>
> = {
  resnet: { imagesPerSecond: 68, side: 64, source: 'bench/RESULTS.md: NEU-CLS ResNet-10 w16 @64, 925 s' },
  vit: { imagesPerSecond: 44, side: 64, source: 'bench/RESULTS.md: NEU-CLS ViT 16,48,4,3 @64, 2313 s' },
  mobilenetv2: {
    imagesPerSecond: 3,
    side: 224,
    source: 'assumed: half the ResNet-10 rate scaled to 224 px (not benchmarked)',
  },
};

export const TRAINING_PRESETS: readonly TrainingPreset[] = [
  {
    id: 'quick-check',
    title: 'Quick check',
    description:
      'A small ResNet on 20 images per class for 2 epochs: checks the data and the pipeline end to end in about a minute. Not a model to ship.',
    config: {
      model: { arch: 'resnet', depth: 10, width: 8, inputSize: 32 },
      data: { limitPerClass: 20 },
      epochs: 2,
      batchSize: 8,
      schedule: { kind: 'constant', lr: 0.001 },
      earlyStopping: { enabled: false },
      checklist: {
        initialLoss: { enabled: true, batches: 1 },
        overfit: { enabled: false },
        lrRange: { enabled: false },
        curves: { enabled: true },
      },
    },
    needsTeacher: false,
  },
  {
    id: 'small-defects',
    title: 'Best for small defects',
    description:
      'ResNet-10 at 160 px with max pooling (a small defect on a large part stays visible), flips and quarter turns, weighted loss for rare defects, early stopping on the validation ROC AUC: the recipe that reached ROC AUC 0.96 on magnetic-tile (bench/RESULTS.md).',
    config: {
      model: { arch: 'resnet', depth: 10, width: 16, inputSize: 160, pooling: 'max' },
      epochs: 50,
      schedule: { kind: 'cosine', lr: 0.002, warmup: { steps: 30, startLr: 0 } },
      weightDecay: 0.0001,
      augment: { horizontalFlip: { p: 0.5 }, verticalFlip: { p: 0.5 }, rotate90: { p: 0.5 } },
      imbalance: 'weighted-loss',
      earlyStopping: { enabled: true, metric: 'valRocAuc', patience: 15 },
      evaluation: { testTimeAugmentation: true },
    },
    needsTeacher: false,
  },
  {
    id: 'distil-vit',
    title: 'Distil a ViT from this CNN',
    description:
      'A small ViT with a distillation token learns from a registered CNN (hard DeiT distillation) as well as the labels: pick the teacher below. ViTs need many epochs from scratch.',
    config: {
      model: {
        arch: 'vit',
        patchSize: 16,
        dim: 48,
        depth: 4,
        heads: 3,
        inputSize: 64,
        distillationToken: true,
      },
      epochs: 80,
      schedule: { kind: 'cosine', lr: 0.001, warmup: { steps: 100, startLr: 0 } },
      weightDecay: 0.05,
      dropout: 0.1,
      augment: { horizontalFlip: { p: 0.5 }, verticalFlip: { p: 0.5 }, rotate90: { p: 0.5 } },
      earlyStopping: { enabled: false },
      distillation: { mode: 'hard' },
    },
    needsTeacher: true,
  },
];

export interface DurationEstimate {
  seconds: number;
  imagesPerSecond: number;
  trainImages: number;
  epochs: number;
  /** How the figure was obtained, in words. */
  basis: string;
}

/**
 * Duration of a run on this host: training images x epochs / images per second, plus the validation passes
 * (forward only, about a third of a training step per image). `measured` is the images/s of this architecture
 * in a finished job on this host, when there is one; otherwise the reference rate scaled by input pixels.
 */
export function estimateDuration(
  input: PresetConfig,
  images: number,
  measured?: { imagesPerSecond: number; side: number },
): DurationEstimate {
  const config = resolveTrainingConfig({
    ...input,
    data: { ...(input.data ?? {}), source: { kind: 'folder', path: '.' } },
  });
  // `images`: what the run reads, limitPerClass already applied by the caller.
  const kept = images;
  const trainImages = Math.max(1, Math.round(kept * config.data.split.train));
  const validationImages = Math.round(kept * config.data.split.validation);
  const side = Math.sqrt(config.model.inputSize[0] * config.model.inputSize[1]);
  const reference = measured ?? REFERENCE_IMAGES_PER_SECOND[config.model.arch];
  const imagesPerSecond = reference.imagesPerSecond * (reference.side / side) ** 2;
  const perEpoch = (trainImages + validationImages / 3) / imagesPerSecond;
  const seconds = Math.round(perEpoch * config.epochs + (config.checklist.overfit.enabled ? 60 : 0) + 10);
  return {
    seconds,
    imagesPerSecond: Math.round(imagesPerSecond * 10) / 10,
    trainImages,
    epochs: config.epochs,
    basis: measured
      ? `measured ${Math.round(measured.imagesPerSecond)} images/s of a finished ${config.model.arch} job on this host at ${measured.side} px, scaled to ${Math.round(side)} px`
      : `reference ${reference.imagesPerSecond} images/s at ${reference.side} px (${REFERENCE_IMAGES_PER_SECOND[config.model.arch].source}), scaled to ${Math.round(side)} px`,
  };
}
