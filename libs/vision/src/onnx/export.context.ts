import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { intsAttr, type OnnxGraphBuilder } from './onnx-graph.builder';

/**
 * Where a value's axes are. The graph turns the NHWC input into NCHW once, so every 4-D activation is 'nchw'
 * (what ORT's NCHWc kernels want); lower-rank values keep the axes of the Keras tensor ('native').
 */
export type Layout = 'nchw' | 'native';

export interface ExportedValue {
  name: string;
  layout: Layout;
  rank: number;
}

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

export class UnsupportedLayerError extends Error {
  constructor(
    readonly layer: tfl.layers.Layer,
    reason: string,
  ) {
    super(`cannot export layer ${layer.name} (${layer.getClassName()}) to ONNX: ${reason}`);
    this.name = 'UnsupportedLayerError';
  }
}

/** The builder plus layout conversions, cached so a value is transposed at most once each way. */
export class ExportContext {
  private readonly converted = new Map<string, string>();
  private readonly scalars = new Map<number, string>();

  constructor(readonly graph: OnnxGraphBuilder) {}

  nchw(value: ExportedValue): string {
    if (value.rank !== 4) throw new Error(`${value.name} has rank ${value.rank}; NCHW needs 4`);
    return value.layout === 'nchw' ? value.name : this.transpose(value.name, TO_NCHW, 'nchw');
  }

  /** The value with the Keras tensor's axes (NHWC for images). */
  native(value: ExportedValue): string {
    return value.layout === 'native' ? value.name : this.transpose(value.name, TO_NHWC, 'nhwc');
  }

  /** Rank-4 values in NCHW, others as they are: for element-wise ops that must agree on a layout. */
  preferred(value: ExportedValue): ExportedValue {
    return value.rank === 4
      ? { ...value, name: this.nchw(value), layout: 'nchw' }
      : { ...value, name: this.native(value), layout: 'native' };
  }

  /** A float scalar initializer, shared by every node using the same constant. */
  scalar(value: number): string {
    const existing = this.scalars.get(value);
    if (existing !== undefined) return existing;
    const name = this.graph.floatInitializer('const', [value], []);
    this.scalars.set(value, name);
    return name;
  }

  private transpose(name: string, perm: number[], suffix: string): string {
    const key = `${name}|${suffix}`;
    const cached = this.converted.get(key);
    if (cached !== undefined) return cached;
    const output = this.graph.node('Transpose', [name], `${name}_${suffix}`, { perm: intsAttr(perm) });
    this.converted.set(key, output);
    return output;
  }
}

/** Float32 values of a tensor, in its row-major order. */
export function floatValues(tensor: tf.Tensor): Float32Array {
  return Float32Array.from(tensor.dataSync());
}

/** The static [height, width] of a layer's (first) 4-D input. */
export function spatialSizeOf(layer: tfl.layers.Layer): [number, number] {
  const input = Array.isArray(layer.input) ? layer.input[0] : layer.input;
  const [, height, width] = input.shape;
  if (input.shape.length !== 4 || height == null || width == null) {
    throw new UnsupportedLayerError(layer, `needs a static NHWC input, got [${input.shape.join(', ')}]`);
  }
  return [height, width];
}
