export { inferenceApp } from './inference.app';
export { InferenceModule } from './inference.module';
export { InferenceRuntime, type PingReport } from './inference.runtime';
export {
  INFERENCE_BACKENDS,
  INFERENCE_ENGINES,
  loadInferenceConfig,
  type InferenceBackend,
  type InferenceConfig,
  type InferenceEngineMode,
} from './config/inference.config';
export {
  chooseEngine,
  type EngineChoice,
  ONNX_ENGINE_NAME,
  OnnxEngineUnavailableError,
  onnxRuntimeInstalled,
  tfjsEngineName,
} from './engines';
export {
  MicroBatcher,
  ShadowBacklogFullError,
  type BatchedPrediction,
  type BatchEvent,
  type BatchExecutor,
  type BatchPriority,
  type MicroBatcherOptions,
} from './batching/micro.batcher';
export {
  WorkerPool,
  WorkerCrashedError,
  type WorkerPoolOptions,
  type WorkerStatus,
} from './workers/worker.pool';
export { resolveDecisionRule, type DecisionRule, type ThresholdOverrides } from '@linescope/verdict';
export {
  ModelRegistry,
  type EngineSettings,
  type ModelDescription,
  type ModelLease,
  type ModelLoader,
  type ServedModel,
} from './models/model.registry';
export { ModelChangeWatcher } from './models/model-change.watcher';
export { readModelArtifact } from './models/model-artifact.reader';
export { type ModelRole } from './repositories/serving-set.repository';
export { prepareImage, type PreparedImage } from './scoring/image.prepare';
export { defectScore, explainedClassIndex } from './scoring/defect.score';
export { ScoringService, type ScoredImage, type ScoringContext } from './scoring/scoring.service';
export { ModelUnavailableError, NoModelError, UnknownLineError } from './scoring/scoring.errors';
export { type Prediction, type PredictionTiming } from './scoring/prediction.types';
export { ShadowEvaluator, type ShadowOutcome } from './shadow/shadow.evaluator';
export { HeatmapRenderer, heatmapKey, type HeatmapOutcome } from './heatmaps/heatmap.renderer';
export { InferenceMetrics } from './metrics/inference.metrics';
