import * as tf from '@tensorflow/tfjs-core';

import { WASM_BACKEND } from './composed-kernel.util';

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

function isRefCounting(backend: unknown): backend is RefCountingBackend {
  return typeof (backend as Partial<RefCountingBackend>).incRef === 'function';
}

/**
 * Identity that shares the input's memory, as wasm's own Reshape does, instead of copying it. The engine
 * clones (runs Identity on) every tensor it saves for the backward pass, so wasm's copying Identity cost
 * one full copy of every saved activation per training step. Tensor data is never written in place, so
 * sharing is safe. Strings keep wasm's original kernel.
 */
export function sharingIdentityKernel(original: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.Identity,
    backendName: WASM_BACKEND,
    kernelFunc: (args) => {
      const x = args.inputs['x'];
      if (x === undefined) {
        throw new Error('Identity: missing input x');
      }
      if (x.dtype === 'string' || !isRefCounting(args.backend)) {
        if (original === undefined) {
          throw new Error(`Identity on wasm cannot share ${x.dtype} data and has no original kernel`);
        }
        return original.kernelFunc(args);
      }
      args.backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}
