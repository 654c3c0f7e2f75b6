export { ANOMALY_MAP_SIGMA, anomalyMaps } from './anomaly-map';
export {
  AnomalyModelFormatError,
  decodeAnomalyModel,
  encodeAnomalyModel,
  type AnomalyModel,
} from './anomaly-model.codec';
export { scoreAnomalies, type AnomalyScores } from './anomaly.score';
export { greedyCoreset } from './coreset';
export { PADIM_DEFAULTS, fitPadim, scorePadim, type PadimModel, type PadimOptions } from './padim';
export { FeatureLayerError, PatchFeatureExtractor, type PatchGrid } from './patch-features';
export {
  PATCHCORE_DEFAULTS,
  fitPatchCore,
  scorePatchCore,
  type PatchCoreModel,
  type PatchCoreOptions,
  type PatchCoreScores,
} from './patchcore';
export { invertSymmetricPositiveDefinite } from './spd-inverse';
