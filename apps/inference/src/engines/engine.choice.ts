import { type InferenceEngineMode } from '../config/inference.config';

/** The engine name answers, `/ping` and metrics carry for a version scored by ONNX Runtime. */
export const ONNX_ENGINE_NAME = 'onnxruntime-cpu';

/** The engine name of a version scored by TensorFlow.js on `backend` (wasm, cpu, tensorflow). */
export function tfjsEngineName(backend: string): string {
  return `tfjs-${backend}`;
}

export type EngineChoice = { kind: 'onnx'; onnxKey: string } | { kind: 'tfjs' };

/** `INFERENCE_ENGINE=onnx` and a version ONNX Runtime cannot score: its load fails with this reason. */
export class OnnxEngineUnavailableError extends Error {
  constructor(reason: string) {
    super(`INFERENCE_ENGINE=onnx, but ${reason}`);
    this.name = 'OnnxEngineUnavailableError';
  }
}

/**
 * The engine of one model version: ONNX Runtime when it is installed and the version has an ONNX artifact (the
 * row's `onnx_key`, else the manifest's `onnxKey`), unless the service is told to use TensorFlow.js only.
 */
export function chooseEngine(
  mode: InferenceEngineMode,
  version: { onnxRuntimeInstalled: boolean; rowOnnxKey: string | null; manifestOnnxKey: string | undefined },
): EngineChoice {
  if (mode === 'tfjs') return { kind: 'tfjs' };
  const onnxKey = version.rowOnnxKey ?? version.manifestOnnxKey;
  if (version.onnxRuntimeInstalled && onnxKey !== undefined && onnxKey !== '')
    return { kind: 'onnx', onnxKey };
  if (mode === 'auto') return { kind: 'tfjs' };
  throw new OnnxEngineUnavailableError(
    version.onnxRuntimeInstalled
      ? 'this model version has no ONNX artifact (neither model_versions.onnx_key nor the manifest names one)'
      : 'onnxruntime-node cannot be loaded in this installation',
  );
}

/** Whether `onnxruntime-node` can be found, without loading it (only workers that score with it load it). */
export function onnxRuntimeInstalled(resolve: (name: string) => string = require.resolve): boolean {
  try {
    resolve('onnxruntime-node');
    return true;
  } catch {
    return false;
  }
}
