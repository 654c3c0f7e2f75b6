export {
  reliability,
  classifierCalibration,
  type Calibration,
  type ReliabilityBin,
} from './calibration.metrics';
export {
  accuracy,
  argmaxRows,
  confusionMatrix,
  macroAverages,
  perClassMetrics,
  type ClassMetrics,
  type MacroAverages,
} from './classification.metrics';
export { classificationReport, type ClassificationReport } from './classification.report';
export { binaryLogLoss, logLoss, LOG_LOSS_EPSILON } from './log-loss.metrics';
export {
  DEFAULT_SAFE_PRECISION,
  DEFAULT_SAFE_RECALL,
  DEFAULT_TARGET_RECALL,
  operatingThreshold,
  uncertainBand,
  verdictCounts,
  verdictFor,
  type OperatingThreshold,
  type UncertainBand,
  type UncertainBandOptions,
  type UncertainBandResult,
  type Verdict,
  type VerdictCounts,
} from './operating-point.metrics';
export {
  averagePrecision,
  precisionRecallCurve,
  rocAuc,
  rocCurve,
  thresholdCounts,
  type PrPoint,
  type RocPoint,
  type ThresholdCounts,
} from './ranking.metrics';
