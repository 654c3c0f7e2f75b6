import { type ModelSpec } from '@linescope/vision/models';

import { type RunBudget } from './throughput.measure';

export type BenchBackend = 'wasm' | 'cpu';
export const BENCH_BACKENDS: readonly BenchBackend[] = ['wasm', 'cpu'];
export type BenchMode = 'quick' | 'full';

export type InferencePath = 'serving' | 'predict';
export const INFERENCE_PATHS: readonly InferencePath[] = ['serving', 'predict'];
export const INFERENCE_BATCHES = [1, 16] as const;
export type InferenceBatch = (typeof INFERENCE_BATCHES)[number];
export const TRAINING_BATCH = 16;

/** What is measured for one model on one backend in one mode. */
export interface Scope {
  training: boolean;
  /** Inference batches measured, through both the serving graph and model.predict. */
  batches: readonly InferenceBatch[];
  /** Shown in the cells left out; default: "skipped (too slow)" on cpu, "skipped (--quick)" on wasm. */
  skipped?: string;
  /** Printed in the training notes, e.g. why training is left out. */
  trainingNote?: string;
}

const EVERYTHING: Scope = { training: true, batches: INFERENCE_BATCHES };
const SINGLE_IMAGES: Scope = { training: false, batches: [1] };
const TRAINING_AND_SINGLE_IMAGES: Scope = { training: true, batches: [1] };
const NOTHING: Scope = { training: false, batches: [] };

export interface BenchModel {
  label: string;
  spec: ModelSpec;
  scopes: Record<BenchBackend, Record<BenchMode, Scope>>;
  /**
   * Training batch on wasm when TRAINING_BATCH does not fit its heap (the wasm module aborts: it cannot grow past
   * its maximum memory), with the reason printed in the table. A batch that aborts anyway is retried at half size.
   */
  wasmTrainingBatch?: { batch: number; why: string };
}

const CLASSES = 2;
/** Measured with this bench on 2026-11-29 (shared 2-core box). */
const VIT_224_TRAINING: Scope = {
  training: false,
  batches: INFERENCE_BATCHES,
  skipped: 'skipped (too slow)',
  trainingNote:
    'not trained here: 0.11 images/s at batch 1, 0.06 at batch 8, batch 16 runs out of wasm memory',
};

/**
 * The zoo at its default sizes, plus the sizes the product trains at (ResNet-10@96, MobileNetV2-0.35@96 and a
 * DeiT-Tiny@96). Scopes keep a --quick run near 5 minutes and a full one near 20 on a 2-core box: the cpu backend
 * needs about a minute per trained ResNet-10@96 image, so it only runs what the wasm/cpu ratios need.
 */
export const BENCH_MODELS: readonly BenchModel[] = [
  {
    label: 'MobileNetV2-1.0@224',
    spec: { arch: 'mobilenetv2', alpha: 1.0, inputSize: 224, numClasses: CLASSES },
    scopes: {
      wasm: { quick: EVERYTHING, full: EVERYTHING },
      cpu: { quick: SINGLE_IMAGES, full: TRAINING_AND_SINGLE_IMAGES },
    },
    wasmTrainingBatch: { batch: 8, why: 'batch 16 runs out of wasm memory (aborts)' },
  },
  {
    label: 'ResNet-10@96',
    spec: { arch: 'resnet', depth: 10, inputSize: 96, numClasses: CLASSES },
    scopes: {
      wasm: { quick: EVERYTHING, full: EVERYTHING },
      cpu: { quick: TRAINING_AND_SINGLE_IMAGES, full: EVERYTHING },
    },
  },
  {
    label: 'ResNet-18@224',
    spec: { arch: 'resnet', depth: 18, inputSize: 224, numClasses: CLASSES },
    scopes: {
      wasm: { quick: SINGLE_IMAGES, full: EVERYTHING },
      cpu: { quick: NOTHING, full: SINGLE_IMAGES },
    },
  },
  {
    label: 'ResNet-50@224',
    spec: { arch: 'resnet', depth: 50, inputSize: 224, numClasses: CLASSES },
    scopes: {
      wasm: { quick: SINGLE_IMAGES, full: EVERYTHING },
      cpu: { quick: NOTHING, full: SINGLE_IMAGES },
    },
    wasmTrainingBatch: { batch: 4, why: 'batches 16 and 8 run out of wasm memory (abort)' },
  },
  {
    label: 'DeiT-Tiny@224',
    spec: { arch: 'vit', inputSize: 224, numClasses: CLASSES },
    scopes: {
      wasm: {
        quick: SINGLE_IMAGES,
        full: VIT_224_TRAINING,
      },
      cpu: { quick: NOTHING, full: SINGLE_IMAGES },
    },
  },
  {
    label: 'DeiT-Tiny@96',
    spec: { arch: 'vit', inputSize: 96, numClasses: CLASSES },
    scopes: {
      wasm: { quick: SINGLE_IMAGES, full: EVERYTHING },
      cpu: { quick: NOTHING, full: SINGLE_IMAGES },
    },
  },
  {
    label: 'MobileNetV2-0.35@96',
    spec: { arch: 'mobilenetv2', alpha: 0.35, inputSize: 96, numClasses: CLASSES },
    scopes: {
      wasm: { quick: EVERYTHING, full: EVERYTHING },
      cpu: { quick: TRAINING_AND_SINGLE_IMAGES, full: EVERYTHING },
    },
  },
];

/**
 * Training batches measured, smallest first (a batch that runs out of wasm memory ends the worker). Batch 1 on
 * both backends gives the like-for-like wasm/cpu ratio; the cpu backend cannot afford a full batch (minutes a step).
 */
export function trainingBatchesOf(model: BenchModel, backend: BenchBackend): number[] {
  return backend === 'cpu' ? [1] : [1, model.wasmTrainingBatch?.batch ?? TRAINING_BATCH];
}

export interface Budgets {
  training: RunBudget;
  /** Batch of the untimed warm-up step, which allocates Adam's slots. */
  trainingWarmupBatch: number;
  inference: Record<InferenceBatch, RunBudget>;
}

const SECOND = 1000;

export function budgetsFor(backend: BenchBackend, mode: BenchMode): Budgets {
  switch (backend) {
    case 'cpu': {
      const once: RunBudget = { warmupRuns: 0, minRuns: 1, maxRuns: 1, budgetMs: 0 };
      return {
        training: once,
        trainingWarmupBatch: 1,
        inference: {
          1: { ...once, warmupRuns: 1, maxRuns: mode === 'full' ? 3 : 1, budgetMs: 10 * SECOND },
          16: once,
        },
      };
    }
    case 'wasm':
      return {
        training: { warmupRuns: 1, minRuns: 1, maxRuns: 3, budgetMs: (mode === 'full' ? 15 : 5) * SECOND },
        trainingWarmupBatch: 2,
        inference: {
          1: { warmupRuns: 1, minRuns: 3, maxRuns: 50, budgetMs: (mode === 'full' ? 5 : 2) * SECOND },
          16: { warmupRuns: 0, minRuns: 1, maxRuns: 10, budgetMs: (mode === 'full' ? 8 : 2) * SECOND },
        },
      };
  }
}
