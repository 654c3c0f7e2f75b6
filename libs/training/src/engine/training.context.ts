import type * as tfl from '@tensorflow/tfjs-layers';
import { createBatchMixer, type BatchMixer } from '../augment/batch.mixing';
import { createAugmenter, type Augmenter } from '../augment/image.augmenter';
import { createRng, deriveSeed } from '../random/rng';
import { type BatchSource } from './batch.pipeline';
import { type LossTask } from './loss.task';
import { type DefectScoring } from './model.predict';
import { type ProgressThrottle } from './progress.throttle';
import { type TrainingConfig } from './training.config';
import { type PreparedDataset } from './training.dataset';
import { type TrainingHooks } from './training.hooks';

/** What every phase of a run shares. */
export interface RunContext {
  /** The config in force (the checklist may have changed the rate or optimizer). */
  config: TrainingConfig;
  model: tfl.LayersModel;
  task: LossTask;
  /** A task for other settings (a candidate's label smoothing); the run's own task when nothing differs. */
  createTask(config: TrainingConfig): LossTask;
  dataset: PreparedDataset;
  source: BatchSource;
  /** Train-split labels, in split order. */
  trainLabels: number[];
  scoring: DefectScoring | null;
  /** Per-class loss weights of a `weighted-loss` run, else null. */
  classWeights: number[] | null;
  hooks: TrainingHooks;
  throttle: ProgressThrottle;
  log(line: string): void;
}

/** Settings of the per-image augmenter that augment nothing themselves; mixing is per batch (`mixerFor`). */
const NON_AUGMENTING_KEYS = new Set(['pixelMax', 'fill', 'mixup', 'cutmix']);

/** The epoch's augmenter (seeded by (seed, epoch), so a resumed epoch draws the same), or null when none is on. */
export function augmenterFor(config: TrainingConfig, epoch: number, stream = 'augment'): Augmenter | null {
  const enabled = Object.keys(config.augment).some((key) => !NON_AUGMENTING_KEYS.has(key));
  return enabled ? createAugmenter(config.augment, createRng(deriveSeed(config.seed, stream, epoch))) : null;
}

/** The epoch's mixup/cutmix, seeded like the augmenter, or null when neither is on. */
export function mixerFor(config: TrainingConfig, epoch: number, stream = 'mix'): BatchMixer | null {
  const { mixup, cutmix } = config.augment;
  if (!mixup && !cutmix) return null;
  return createBatchMixer({ mixup, cutmix }, createRng(deriveSeed(config.seed, stream, epoch)));
}
