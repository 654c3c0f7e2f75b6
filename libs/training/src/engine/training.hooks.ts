import { type Finding } from '../checklist/finding.types';

// One definition, the training_jobs.progress column's (a type-only import: no database code is loaded).
export type { TrainingPhase, TrainingProgress } from '@linescope/db';
import type { TrainingProgress } from '@linescope/db';

/** One epoch, shaped like training_epochs.metrics (plus the epoch and step count). */
export type EpochSummary = {
  /** 1-based. */
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  /** Binary defect score's ROC AUC on the validation split, when the data has an ok class. */
  valRocAuc?: number;
  /** Rate at the epoch's last step. */
  learningRate: number;
  durationSeconds: number;
  steps: number;
};

/** How a job watches and steers a run. Every hook is optional; async ones are awaited. */
export interface TrainingHooks {
  /** Throttled (about once a second) and at the end of each epoch. */
  onProgress?(progress: TrainingProgress): void;
  onEpoch?(summary: EpochSummary): void | Promise<void>;
  onLog?(line: string): void;
  /** Each checklist finding as soon as it is known. */
  onFinding?(finding: Finding): void | Promise<void>;
  /** After a checkpoint is complete: `key` is its checkpoint.json. */
  onCheckpoint?(info: { key: string; epoch: number }): void | Promise<void>;
  /** Polled between steps; true cancels the run (the last checkpoint stays for a resume). */
  shouldStop?(): boolean | Promise<boolean>;
}

export class TrainingCancelledError extends Error {
  constructor(readonly completedEpochs: number) {
    super(`training cancelled after ${completedEpochs} completed epoch(s)`);
    this.name = 'TrainingCancelledError';
  }
}
