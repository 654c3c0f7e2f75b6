export {
  calibrateRanges,
  type CalibrationMethod,
  type CalibrationOptions,
  type ValueRange,
} from './activation.calibrate';
export { UnsupportedLayerError } from './export.context';
export { quantizeOnnx, type QuantizeOptions } from './int8.quantize';
export { loadOnnxArtifact, ONNX_FILE, saveOnnxArtifact, type SavedOnnxArtifact } from './onnx-artifact.store';
export { countOpTypes } from './onnx-model.read';
export {
  exportToOnnx,
  ONNX_OPSET,
  type OnnxExport,
  type OnnxExportOptions,
  type OnnxExportSummary,
} from './onnx.export';
export {
  OnnxScorer,
  type OnnxScorerOptions,
  type OnnxScores,
  type OnnxValueShape,
  type OptimizationLevel,
} from './onnx.scorer';
