import { type Finding } from '../checklist/finding.types';

/** Progress of a running job, shaped like the training_jobs.progress column. */
export type TrainingProgress = {
  phase: TrainingPhase;
  epoch?: number;
  epochs?: number;
  step?: number;
  stepsPerEpoch?: number;
  loss?: number;
  accuracy?: number;
  learningRate?: number;
  etaSeconds?: number;
};

export type TrainingPhase =
  | 'loading-data'
  | 'checklist:initial-loss'
  | 'checklist:overfit'
  | 'checklist:lr-range'
  | 'checklist:candidates'
  | 'training'
  | 'evaluating';

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
