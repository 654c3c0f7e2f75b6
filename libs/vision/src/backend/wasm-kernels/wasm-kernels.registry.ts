import * as tf from '@tensorflow/tfjs-core';

import { WASM_BACKEND } from './composed-kernel.util';
import { conv2dBackpropFilterKernel } from './conv2d-backprop-filter.kernel';
import { conv2dBackpropInputKernel } from './conv2d-backprop-input.kernel';
import { depthwiseConv2dBackpropFilterKernel } from './depthwise-conv2d-backprop-filter.kernel';
import { depthwiseConv2dBackpropInputKernel } from './depthwise-conv2d-backprop-input.kernel';
import { einsumKernel } from './einsum.kernel';
import { sharingIdentityKernel } from './identity.kernel';
import { broadcastingTileKernel } from './tile.kernel';
import { unsortedSegmentSumKernel } from './unsorted-segment-sum.kernel';

/**
 * Kernels tfjs-backend-wasm 4.22 lacks for training (found by running one training step per op pattern of
 * the model zoo on wasm), plus Conv2DBackpropInput, which wasm has but as a loop 5-10x slower than this one.
 */
export const wasmTrainingKernels: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterKernel,
  conv2dBackpropInputKernel,
  depthwiseConv2dBackpropFilterKernel,
  depthwiseConv2dBackpropInputKernel,
  unsortedSegmentSumKernel,
  einsumKernel,
];

/** wasm's own kernels that `registerWasmTrainingKernels` replaced, to put back on unregister. */
const replaced = new Map<string, tf.KernelConfig>();
const installed: string[] = [];

function install(kernel: tf.KernelConfig): void {
  const existing = tf.getKernel(kernel.kernelName, WASM_BACKEND);
  if (existing !== undefined) {
    replaced.set(kernel.kernelName, existing);
    tf.unregisterKernel(kernel.kernelName, WASM_BACKEND);
  }
  tf.registerKernel(kernel);
  installed.push(kernel.kernelName);
}

/**
 * Registers the kernels above for the `wasm` backend, an Identity that shares memory instead of copying
 * (see identity.kernel.ts) and a Tile that broadcasts instead of looping (tile.kernel.ts). Idempotent. Returns the names of the kernels it installed.
 */
export function registerWasmTrainingKernels(): string[] {
  if (installed.length === 0) {
    wasmTrainingKernels.forEach(install);
    install(sharingIdentityKernel(tf.getKernel(tf.Identity, WASM_BACKEND)));
    install(broadcastingTileKernel(tf.getKernel(tf.Tile, WASM_BACKEND)));
  }
  return [...installed];
}

/** Undoes `registerWasmTrainingKernels`, restoring wasm's own kernels. */
export function unregisterWasmTrainingKernels(): void {
  for (const kernelName of installed) {
    tf.unregisterKernel(kernelName, WASM_BACKEND);
    const original = replaced.get(kernelName);
    if (original !== undefined) {
      tf.registerKernel(original);
    }
  }
  installed.length = 0;
  replaced.clear();
}
