export {
  currentBackend,
  initBackend,
  type BackendInfo,
  type BackendName,
  type InitBackendOptions,
} from './backend.manager';
export { withBackend } from './backend.switch';
export {
  registerWasmTrainingKernels,
  unregisterWasmTrainingKernels,
  wasmTrainingKernels,
} from './wasm-kernels/wasm-kernels.registry';
