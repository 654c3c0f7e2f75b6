export {
  compareCandidates,
  type CandidateMetric,
  type CandidateRun,
  type RankedCandidate,
} from './candidates.compare';
export { readCurves, type CurveReadingOptions } from './curves.check';
export { evidenceNumber, type EpochRecord, type Finding, type FindingStatus } from './finding.types';
export { checkInitialLoss, type InitialLossOptions } from './initial-loss.check';
export {
  analyzeLrRange,
  lrRangeRates,
  type LrRangeFinding,
  type LrRangeOptions,
  type LrRangePoint,
} from './lr-range.check';
export { checkOverfit, type OverfitOptions, type OverfitStep } from './overfit.check';
