// Training configuration parsing and validation, importable without the engine's tensor code (the API checks
// configurations when a job is created). A test asserts the API loads no @tensorflow module.
export {
  InvalidTrainingConfigError,
  resolveTrainingConfig,
  type TrainingConfig,
  type TrainingConfigInput,
} from '../engine/training.config';
export { trainingConfigJsonSchema, trainingConfigOptions } from './config.json-schema';
export {
  configOptions,
  type ConfigOption,
  type JsonSchema,
  parseOptionValue,
  rangeText,
  setPath,
} from './config.options';
export {
  estimateDuration,
  type DurationEstimate,
  REFERENCE_IMAGES_PER_SECOND,
  TRAINING_PRESETS,
  type TrainingPreset,
} from './training.presets';
export { explainFinding, type FindingCard } from '../checklist/finding.explain';
