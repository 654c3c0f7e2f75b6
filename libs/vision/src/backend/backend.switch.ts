import * as tf from '@tensorflow/tfjs-core';

import { type BackendName } from './backend.manager';
import { registerWasmTrainingKernels } from './wasm-kernels/wasm-kernels.registry';

/**
 * Runs `run` with `name` as the active backend, then switches back to the previous one, e.g. to compare a
 * result on `wasm` with the same computation on `cpu` in one test. Tensors created on one backend are
 * moved by tfjs when used on the other.
 */
export async function withBackend<T>(name: BackendName, run: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  if (name === 'wasm') {
    registerWasmTrainingKernels();
  }
  if (!(await tf.setBackend(name))) {
    throw new Error(`Backend '${name}' cannot be used here`);
  }
  try {
    return await run();
  } finally {
    if (previous !== name) {
      await tf.setBackend(previous);
    }
  }
}
