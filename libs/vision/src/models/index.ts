export { buildModel } from './model.factory';
export { describeModel, layerFlops, type ModelDescription } from './model.describe';
export {
  ARCH_DEFAULTS,
  DEFAULT_DROPOUT,
  DEFAULT_INIT,
  VIT_DEFAULTS,
  preprocessingFamilyOf,
  resolveInputSize,
  type ArchDefaults,
} from './model.defaults';
export {
  type Arch,
  type InitScheme,
  type InputSize,
  type MobileNetV2Alpha,
  type MobileNetV2Spec,
  type ModelSpec,
  type PreprocessingFamily,
  type GlobalPooling,
  type ResNetDepth,
  type ResNetSpec,
  type ViTSpec,
} from './model.types';
export {
  averageDistillationLogits,
  logitsToProbabilities,
  predictLogits,
  softmaxRows,
} from './logits.helpers';
export { depthwiseKernelInitializer, expectedKernelStd, kernelInitializer } from './kernel.initializers';
export { batchNormLayer } from './conv.blocks';
export { makeDivisible } from './mobilenetv2.model';
export { RESNET_LAYOUTS } from './resnet.model';
export { MultiHeadSelfAttention, PositionEmbedding, PrependTokens, TokenSelect } from './vit.layers';
