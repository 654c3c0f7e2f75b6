export {
  chunkBatches,
  disposeBatch,
  epochOrder,
  makeBatch,
  normalizedBatch,
  normalizedPixels,
  normalizeTensor,
  pixelBatch,
  stepsPerEpoch,
  type BatchSource,
} from './batch.pipeline';
export {
  correctCount,
  softmaxCrossEntropy,
  softTargetKl,
  type CrossEntropyOptions,
} from './cross-entropy.loss';
export {
  INITIAL_EARLY_STOPPING,
  metricMode,
  updateEarlyStopping,
  type EarlyStoppingMetric,
  type EarlyStoppingState,
} from './early.stopping';
export { toEpochRecord } from './epoch.records';
export { classifierHeads, scaleClassifierHeads } from './head.init';
export { checkHeldOutAfterOverfit } from './label-sanity.check';
export {
  crossEntropyTask,
  inferenceLogits,
  modelOutputs,
  type LossTask,
  type TaskBatch,
  type TaskResult,
} from './loss.task';
export {
  evaluate,
  evaluateProbabilities,
  evaluationSummary,
  type DefectEvaluation,
  type Evaluation,
  type EvaluationOptions,
  type ScoredSplit,
} from './model.evaluate';
export { evaluationRecord, thinCurve, type EvaluationRecord, MAX_CURVE_POINTS } from './evaluation.record';
export {
  defectLabels,
  defectScores,
  defectScoring,
  predictProbabilities,
  splitMetrics,
  type DefectScoring,
  type SplitMetrics,
} from './model.predict';
export { ProgressThrottle } from './progress.throttle';
export { train, type TrainDeps, type TrainResult } from './training.engine';
export { splitMembersOf, type SplitMember, type SplitMembers } from './split.members';
export { renderTrainingCharts, type TrainingCharts } from './training.charts';
export { runChecklist, type ChecklistOutcome } from './training.checklist';
export {
  assignWeights,
  CHECKPOINT_FILE,
  loadCheckpoint,
  saveCheckpoint,
  snapshotWeights,
  type CheckpointState,
  type LoadedCheckpoint,
} from './training.checkpoint';
export {
  DEFAULT_WEIGHT_DECAY,
  InvalidTrainingConfigError,
  modelSpecFor,
  preprocessSpecFor,
  resolveTrainingConfig,
  scheduleOptionsFor,
  testTimeViewsFor,
  trainingConfigSchema,
  type TrainingConfig,
  type TrainingConfigInput,
} from './training.config';
export {
  fingerprintFromCache,
  listSamples,
  loadImageCache,
  prepareDataset,
  splitSamples,
  type EngineSample,
  type ImageCache,
  type ImageReader,
  type LabelledSamples,
  type PreparedDataset,
} from './training.dataset';
export {
  TrainingCancelledError,
  type EpochSummary,
  type TrainingHooks,
  type TrainingPhase,
  type TrainingProgress,
} from './training.hooks';
export { formatEpoch } from './training.loop';
export {
  clipByGlobalNorm,
  createTrainingOptimizer,
  isDecayedWeight,
  type NamedTensor,
  optimizerSettingsOf,
  type OptimizerSettings,
  type TrainingOptimizer,
} from './training.optimizer';
export { batchLoss, trainStep, type StepResult } from './training.step';
