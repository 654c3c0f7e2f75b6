import * as tf from '@tensorflow/tfjs-core';

import { asTensor } from './conv-geometry.util';

/** The backend every kernel in this folder is registered for. */
export const WASM_BACKEND = 'wasm';

/**
 * A wasm kernel computed with public tf ops, which dispatch to wasm's own (XNNPACK) kernels (one kernel,
 * DepthwiseConv2dNativeBackpropFilter, loops on the host instead; its file says why).
 * The engine runs a kernel with the gradient tape paused, so nothing here is recorded; the tidy disposes
 * every intermediate, and the returned tensor is handed to the caller as the kernel's output as it is.
 */
export function composedKernel<Attrs>(
  kernelName: string,
  compute: (inputs: Record<string, tf.Tensor>, attrs: Attrs) => tf.Tensor,
): tf.KernelConfig {
  return {
    kernelName,
    backendName: WASM_BACKEND,
    kernelFunc: ({ inputs, attrs }) =>
      tf.tidy(() => {
        const tensors: Record<string, tf.Tensor> = {};
        for (const [name, info] of Object.entries(inputs)) {
          if (info !== undefined) {
            tensors[name] = asTensor(info);
          }
        }
        return compute(tensors, (attrs ?? {}) as unknown as Attrs);
      }),
  };
}

export function requireInput(inputs: Record<string, tf.Tensor>, name: string, kernelName: string): tf.Tensor {
  const tensor = inputs[name];
  if (tensor === undefined) {
    throw new Error(`${kernelName}: missing input '${name}'`);
  }
  return tensor;
}
