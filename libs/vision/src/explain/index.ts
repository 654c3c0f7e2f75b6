export { camHeatmap, type ClassActivationMaps } from './cam.heatmap';
export { distanceTransform } from './distance.transform';
export { ExplainError, isExplainError, type ExplainErrorCode } from './explain.error';
export {
  heatmapOf,
  type ClassSelection,
  type Explanation,
  type ExplanationMethod,
  type Heatmap,
} from './explanation.types';
export { gradCam, type GradCamOptions } from './grad-cam.explainer';
export { gradientTimesInput } from './gradient-input.explainer';
export {
  heatmapPeak,
  inputToSource,
  toInput,
  toSource,
  type AxisTransform,
  type HeatmapPeak,
  type InputToSource,
  type ResizeGeometry,
  type SourceGeometry,
} from './heatmap.geometry';
export {
  DEFAULT_OVERLAY_OPACITY,
  heatOnSource,
  renderHeatmapOverlay,
  type OverlayOptions,
} from './heatmap.overlay';
export {
  chanceOfPointing,
  decodeDefectMask,
  MASK_THRESHOLD,
  maskDistances,
  pointsAtDefect,
  type DefectMask,
  type MaskDistances,
} from './pointing-game.metrics';
export { explainPrediction } from './prediction.explain';
export { selectTargetLayer, type TargetTensor } from './target-layer.select';
export { modelGraph, type GraphNode, type ModelGraph } from './model.graph';
export { TURBO_LUT, turboColor } from './turbo.colormap';
