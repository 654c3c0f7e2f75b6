export { distillationLoss, type DistillationLossOptions, type DistillationMode } from './distillation.loss';
export { createDistillationTask, type DistillationTaskOptions, type Teacher } from './distillation.task';
