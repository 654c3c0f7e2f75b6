export {
  BackboneTransferError,
  featureExtractor,
  featureLayerName,
  transferBackbone,
} from './backbone.transfer';
export { exportNsfwjsMobileNet } from './nsfwjs-mobilenet.export';
export {
  NSFWJS_MOBILENET_FEATURE_LAYER,
  NSFWJS_MOBILENET_FOLDER,
  NSFWJS_MOBILENET_INPUT_SIZE,
  NSFWJS_MOBILENET_NORMALIZATION,
  NSFWJS_PACKAGE,
  NsfwjsMobileNetSource,
  PretrainedSourceError,
  resolveNsfwjsPackageDir,
  type BatchNormFlavour,
  type NsfwjsMobileNetSourceOptions,
  type PretrainedSourceErrorCode,
} from './nsfwjs-mobilenet.source';
