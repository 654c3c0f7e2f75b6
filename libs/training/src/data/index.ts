export { createBalancedSampler, type BalancedSampler, type BalancedSamplerOptions } from './balanced.sampler';
export { classCounts, classWeights } from './class.weights';
export { datasetFingerprint, hashFile, type DatasetFingerprint } from './dataset.fingerprint';
export {
  EmptyClassFolderError,
  IMAGE_EXTENSIONS,
  isImageFileName,
  scanImageFolder,
  type ImageFolder,
} from './image-folder.scan';
export {
  OK_VS_DEFECT_CLASSES,
  toOkVsDefect,
  type OkVsDefectClass,
  type OkVsDefectSample,
  type OkVsDefectTask,
} from './ok-vs-defect.task';
export {
  compareStrings,
  SPLIT_NAMES,
  type DatasetSplit,
  type LabelledDataset,
  type Sample,
  type SplitName,
} from './sample.types';
export { splitStats, type SplitCounts, type SplitStats } from './split.stats';
export { allocateCounts, stratifiedSplit, type SplitOptions } from './stratified.split';
