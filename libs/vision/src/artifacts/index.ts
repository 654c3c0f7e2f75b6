export { describeFile, verifyFile } from './artifact-file.check';
export {
  DiskFolderModelHandler,
  importPretrainedBackbone,
  resolveInsideFolder,
} from './disk-folder.io-handler';
export {
  freezeUpTo,
  setTrainable,
  transferWeightsByName,
  type TrainableSummary,
  type TransferReport,
  type TransferSkipReason,
} from './fine-tune.layers';
export { ModelArtifactError, type ModelArtifactErrorCode } from './model-artifact.error';
export { loadFolderForImport, type ImportedFolder } from './model-folder.import';
export { readFolderManifest, readInsideFolder } from './model-folder.manifest';
export {
  checkModelMatchesManifest,
  loadModelArtifact,
  loadModelFolder,
  MANIFEST_FILE,
  modelVersionPrefix,
  readManifest,
  saveModelArtifact,
} from './model-artifact.store';
export {
  decodeModelArtifacts,
  encodeModelArtifacts,
  MODEL_JSON_FILE,
  parseModelJson,
  sha256,
  WEIGHTS_FILE,
  type EncodedModel,
} from './model-json.codec';
export {
  checkManifestInput,
  MODEL_MANIFEST_SCHEMA_VERSION,
  parseModelManifest,
  type ArtifactFile,
  type ModelManifest,
  type ModelManifestInput,
  type ModelManifestWithoutFiles,
  type OperatingPoint,
} from './model-manifest.schema';
export { normalizeModelPrefix, ObjectStoreModelHandler, type ModelFiles } from './object-store.io-handler';
