import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { type KernelLayout } from './batchnorm.fold';
import { type FusedActivation } from './serving.types';

export type Op = (inputs: tf.Tensor[]) => tf.Tensor;

export interface ConvGeometry {
  strides: [number, number];
  padding: 'same' | 'valid';
  dilations: [number, number];
}

export interface FusedKernel {
  layout: KernelLayout;
  kernel: tf.Tensor;
  bias: tf.Tensor1D | null;
  activation: FusedActivation;
  geometry: ConvGeometry | null;
}

function pair(value: unknown): [number, number] | null {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2) {
    const first: unknown = value[0];
    const second: unknown = value[1];
    if (typeof first === 'number' && typeof second === 'number') return [first, second];
  }
  return null;
}

/**
 * Strides, padding and dilation of a Conv2D / DepthwiseConv2D layer, or undefined when the fused kernels cannot
 * reproduce it (channels-first, causal padding...), in which case the layer runs as it is.
 */
export function convGeometryOf(layer: tfl.layers.Layer): ConvGeometry | undefined {
  const { dataFormat, padding, strides, dilationRate } = layer.getConfig();
  const stridePair = pair(strides);
  const dilationPair = pair(dilationRate ?? 1);
  const channelsLast = dataFormat === undefined || dataFormat === 'channelsLast';
  if (
    !channelsLast ||
    (padding !== 'same' && padding !== 'valid') ||
    stridePair === null ||
    dilationPair === null
  ) {
    return undefined;
  }
  return { strides: stridePair, padding, dilations: dilationPair };
}

function geometryOrThrow(fused: FusedKernel): ConvGeometry {
  if (fused.geometry === null) throw new Error(`${fused.layout} kernel needs a conv geometry`);
  return fused.geometry;
}

/** One fused kernel: convolution / matrix product, bias and activation in a single op. */
export function fusedOp(fused: FusedKernel): Op {
  const { kernel, activation } = fused;
  const bias = fused.bias ?? undefined;
  switch (fused.layout) {
    case 'conv2d': {
      const { strides, padding, dilations } = geometryOrThrow(fused);
      return ([x]) =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: kernel as tf.Tensor4D,
          strides,
          pad: padding,
          dilations,
          bias,
          activation,
        });
    }
    case 'depthwise': {
      const { strides, padding, dilations } = geometryOrThrow(fused);
      return ([x]) =>
        tf.fused.depthwiseConv2d({
          x: x as tf.Tensor4D,
          filter: kernel as tf.Tensor4D,
          strides,
          pad: padding,
          dilations,
          bias,
          activation,
        });
    }
    case 'dense':
      return ([x]) => {
        // A dense layer on [batch, tokens, features] (the ViT) is one matrix product over batch * tokens rows.
        const features = x.shape[x.rank - 1];
        const rows = x.size / features;
        const product = tf.fused.matMul({ a: tf.reshape(x, [rows, features]), b: kernel, bias, activation });
        const units = (kernel.shape as number[])[1];
        return x.rank === 2 ? product : tf.reshape(product, [...x.shape.slice(0, -1), units]);
      };
  }
}
