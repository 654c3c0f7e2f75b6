export { compileForServing } from './serving.compile';
export {
  type FusedActivation,
  type ServingModel,
  type ServingOutputs,
  type ServingSummary,
} from './serving.types';
export { CAM_OUTPUT, camHeadOf, camKernelOf, classActivationMaps, type CamHead } from './cam.head';
export { foldBatchNorm, type BatchNormParams, type FoldedWeights, type KernelLayout } from './batchnorm.fold';
