import { type EpochRecord } from '../checklist/finding.types';
import { type EpochSummary } from './training.hooks';

/** The checklist's view of an epoch. */
export function toEpochRecord(summary: EpochSummary): EpochRecord {
  return {
    epoch: summary.epoch,
    trainLoss: summary.trainLoss,
    valLoss: summary.valLoss,
    trainAcc: summary.trainAccuracy,
    valAcc: summary.valAccuracy,
    lr: summary.learningRate,
  };
}
