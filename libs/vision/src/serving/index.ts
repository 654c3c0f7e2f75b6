export { compileForServing } from './serving.compile';
export { type FusedActivation, type ServingModel, type ServingSummary } from './serving.types';
export { foldBatchNorm, type BatchNormParams, type FoldedWeights, type KernelLayout } from './batchnorm.fold';
