import * as tf from '@tensorflow/tfjs-core';

import { WASM_BACKEND } from './composed-kernel.util';
import { asTensor } from './conv-geometry.util';

/** wasm's broadcasting binary ops are used up to this rank; beyond it the original kernel runs. */
const MAX_BROADCAST_RANK = 4;

/**
 * `tile(x, reps)` as one broadcasting add: x viewed as [1, d0, 1, d1, ...] plus zeros of shape [r0, 1, r1, 1, ...]
 * is [r0, d0, r1, d1, ...], which is the tiled tensor once reshaped (output index = rep * d + i). Axes of size 1
 * are dropped and neighbours of the same kind merged, so LayerNormalization's tiles become rank-2 adds.
 * Returns null when the shapes do not fold to a rank wasm broadcasts.
 */
export function tileShapes(
  xShape: readonly number[],
  reps: readonly number[],
): { x: number[]; partner: number[] } | null {
  const x: number[] = [];
  const partner: number[] = [];
  let lastKind: 'x' | 'rep' | null = null;
  const push = (kind: 'x' | 'rep', size: number): void => {
    if (size === 1) return;
    if (kind === lastKind) {
      const last = x.length - 1;
      if (kind === 'x') x[last] *= size;
      else partner[last] *= size;
      return;
    }
    x.push(kind === 'x' ? size : 1);
    partner.push(kind === 'rep' ? size : 1);
    lastKind = kind;
  };
  xShape.forEach((size, axis) => {
    push('rep', reps[axis] ?? 1);
    push('x', size);
  });
  return x.length <= MAX_BROADCAST_RANK ? { x, partner } : null;
}

/**
 * Tile through a broadcasting add: wasm 4.22's Tile copies element by element in JavaScript, 13-20x slower than
 * the add on LayerNormalization's shapes (measured 4.3-4.6 ms vs 0.2-0.3 ms for [32, 17, 48]); a ViT's layer
 * norms tile four tensors each, so Tile was a third of a training step, and tf.where tiles every per-image mask
 * of the augmentations. Other dtypes (int32 would lose precision through float32) and ranks that do not fold
 * keep the original.
 */
export function broadcastingTileKernel(original: tf.KernelConfig | undefined): tf.KernelConfig {
  return {
    kernelName: tf.Tile,
    backendName: WASM_BACKEND,
    kernelFunc: (args) => {
      const x = args.inputs['x'];
      if (x === undefined) throw new Error('Tile: missing input x');
      const { reps } = args.attrs as unknown as tf.TileAttrs;
      const shapes = x.dtype === 'float32' || x.dtype === 'bool' ? tileShapes(x.shape, reps) : null;
      if (shapes === null) {
        if (original === undefined)
          throw new Error(`Tile on wasm has no kernel for ${x.dtype} x ${x.shape.length}-d`);
        return original.kernelFunc(args);
      }
      const outShape = x.shape.map((size, axis) => size * (reps[axis] ?? 1));
      // Booleans (tf.where broadcasts its per-image masks through Tile) go through float32, exact for 0 and 1:
      // wasm has no boolean add, and its broadcasting int32 add is as slow as the original Tile.
      return tf.tidy(() => {
        const view = tf.reshape(tf.cast(asTensor(x), 'float32'), shapes.x);
        const tiled = tf.reshape(tf.add(view, tf.zeros(shapes.partner)), outShape);
        return x.dtype === 'bool' ? tf.cast(tiled, 'bool') : tiled;
      });
    },
  };
}
