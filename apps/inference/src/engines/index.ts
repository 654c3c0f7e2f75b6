export {
  chooseEngine,
  type EngineChoice,
  ONNX_ENGINE_NAME,
  OnnxEngineUnavailableError,
  onnxRuntimeInstalled,
  tfjsEngineName,
} from './engine.choice';
