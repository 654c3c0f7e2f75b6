// Training configuration parsing and validation, importable without the engine's tensor code (the API checks
// configurations when a job is created). A test asserts the API loads no @tensorflow module.
export {
  InvalidTrainingConfigError,
  resolveTrainingConfig,
  type TrainingConfig,
  type TrainingConfigInput,
} from '../engine/training.config';
