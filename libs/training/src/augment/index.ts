export {
  augmentOptionsSchema,
  parseAugmentOptions,
  type AugmentOptions,
  type FillMode,
} from './augment.options';
export {
  affineMatrix,
  affineTransform,
  cropAndResize,
  flipHorizontal,
  flipVertical,
  FULL_IMAGE,
  rotate90,
  type AffineParams,
  type CropBox,
} from './geometry.ops';
export { createAugmenter, drawCropBox, type Augmenter } from './image.augmenter';
export { addGaussianNoise, adjustBrightness, adjustContrast, clipPixels } from './photometric.ops';
export {
  createBatchMixer,
  cutmixBox,
  drawMixPlan,
  mixImages,
  mixLabels,
  sampleBeta,
  sampleGamma,
  type BatchMixer,
  type MixedLabels,
  type MixingOptions,
  type MixPlan,
} from './batch.mixing';
