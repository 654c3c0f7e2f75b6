import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { type BatchNormParams, type KernelLayout } from '../serving/batchnorm.fold';
import { convGeometryOf } from '../serving/fused.ops';
import { onnxPads } from './conv.padding';
import {
  type ExportContext,
  type ExportedValue,
  floatValues,
  spatialSizeOf,
  UnsupportedLayerError,
} from './export.context';
import { intAttr, intsAttr } from './onnx-graph.builder';

export interface KernelWeights {
  kernel: tf.Tensor;
  bias: tf.Tensor1D | null;
}

/** A Keras conv kernel ([kh, kw, in, out], or [kh, kw, in, multiplier] depthwise) as an ONNX Conv weight. */
function onnxConvWeight(kernel: tf.Tensor, layout: 'conv2d' | 'depthwise'): Float32Array {
  return tf.tidy(() => {
    const [kh, kw, inChannels, multiplier] = kernel.shape;
    if (layout === 'conv2d') return floatValues(tf.transpose(kernel, [3, 2, 0, 1]));
    // Depthwise output channel c * multiplier + m reads input channel c: ONNX [in * multiplier, 1, kh, kw].
    const grouped = tf.reshape(tf.transpose(kernel, [2, 3, 0, 1]), [inChannels * multiplier, 1, kh, kw]);
    return floatValues(grouped);
  });
}

function emitConv(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
  layout: 'conv2d' | 'depthwise',
  { kernel, bias }: KernelWeights,
): ExportedValue {
  const geometry = convGeometryOf(layer);
  if (geometry === undefined) throw new UnsupportedLayerError(layer, 'only channels-last same/valid convs');
  const [kh, kw, inChannels, last] = kernel.shape;
  const outChannels = layout === 'conv2d' ? last : inChannels * last;
  const { graph } = context;
  const weight = graph.floatInitializer(`${layer.name}_W`, onnxConvWeight(kernel, layout), [
    outChannels,
    layout === 'conv2d' ? inChannels : 1,
    kh,
    kw,
  ]);
  const inputs = [context.nchw(input), weight];
  if (bias !== null) inputs.push(graph.floatInitializer(`${layer.name}_B`, floatValues(bias), [outChannels]));
  const pads = onnxPads(
    geometry.padding,
    spatialSizeOf(layer),
    [kh, kw],
    geometry.strides,
    geometry.dilations,
  );
  const name = graph.node('Conv', inputs, layer.name, {
    kernel_shape: intsAttr([kh, kw]),
    strides: intsAttr(geometry.strides),
    dilations: intsAttr(geometry.dilations),
    pads: intsAttr(pads),
    group: intAttr(layout === 'conv2d' ? 1 : inChannels),
  });
  return { name, layout: 'nchw', rank: 4 };
}

/** Dense on the last axis: one Gemm for [batch, features], MatMul + Add on longer ranks (the ViT's tokens). */
function emitDense(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
  { kernel, bias }: KernelWeights,
): ExportedValue {
  const { graph } = context;
  const [inUnits, units] = kernel.shape;
  const weight = graph.floatInitializer(`${layer.name}_W`, floatValues(kernel), [inUnits, units]);
  const biasName =
    bias === null ? null : graph.floatInitializer(`${layer.name}_B`, floatValues(bias), [units]);
  const x = context.native(input);
  if (input.rank === 2) {
    const name = graph.node('Gemm', biasName === null ? [x, weight] : [x, weight, biasName], layer.name);
    return { name, layout: 'native', rank: 2 };
  }
  const product = graph.node('MatMul', [x, weight], biasName === null ? layer.name : `${layer.name}_matmul`);
  const name = biasName === null ? product : graph.node('Add', [product, biasName], layer.name);
  return { name, layout: 'native', rank: input.rank };
}

/** A conv, depthwise conv or dense layer with the given (possibly batch-norm-folded) weights. */
export function emitKernelLayer(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
  layout: KernelLayout,
  weights: KernelWeights,
): ExportedValue {
  switch (layout) {
    case 'conv2d':
    case 'depthwise':
      return emitConv(context, layer, input, layout, weights);
    case 'dense':
      return emitDense(context, layer, input, weights);
  }
}

/** A batch norm no conv absorbed: y = x * scale + shift per channel. */
export function emitBatchNorm(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
  params: BatchNormParams,
): ExportedValue {
  const [scale, shift] = tf.tidy(() => {
    const inverseStd = tf.rsqrt(tf.add(params.movingVariance, params.epsilon));
    const s = params.gamma === null ? inverseStd : tf.mul(params.gamma, inverseStd);
    const offset = tf.neg(tf.mul(params.movingMean, s));
    return [floatValues(s), floatValues(params.beta === null ? offset : tf.add(offset, params.beta))];
  });
  const value = context.preferred(input);
  const dims = value.layout === 'nchw' ? [scale.length, 1, 1] : [scale.length];
  const { graph } = context;
  const scaled = graph.node(
    'Mul',
    [value.name, graph.floatInitializer(`${layer.name}_scale`, scale, dims)],
    `${layer.name}_mul`,
  );
  const name = graph.node(
    'Add',
    [scaled, graph.floatInitializer(`${layer.name}_shift`, shift, dims)],
    layer.name,
  );
  return { ...value, name };
}

/** MaxPooling2D / AveragePooling2D with TF padding (padded cells never count, as in ONNX's defaults). */
function emitPooling(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
  opType: 'MaxPool' | 'AveragePool',
): ExportedValue {
  const geometry = convGeometryOf(layer);
  const poolSize = layer.getConfig().poolSize;
  const window: [number, number] | null =
    typeof poolSize === 'number'
      ? [poolSize, poolSize]
      : Array.isArray(poolSize) && poolSize.length === 2
        ? [Number(poolSize[0]), Number(poolSize[1])]
        : null;
  if (geometry === undefined || window === null) {
    throw new UnsupportedLayerError(layer, 'only channels-last same/valid pooling');
  }
  const pads = onnxPads(geometry.padding, spatialSizeOf(layer), window, geometry.strides);
  const name = context.graph.node(opType, [context.nchw(input)], layer.name, {
    kernel_shape: intsAttr(window),
    strides: intsAttr(geometry.strides),
    pads: intsAttr(pads),
  });
  return { name, layout: 'nchw', rank: 4 };
}

/** GlobalAveragePooling2D / GlobalMaxPooling2D: [batch, channels]. */
function emitGlobalPooling(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
  opType: 'GlobalAveragePool' | 'GlobalMaxPool',
): ExportedValue {
  const { dataFormat } = layer.getConfig();
  if (dataFormat !== undefined && dataFormat !== 'channelsLast') {
    throw new UnsupportedLayerError(layer, 'only channels-last global pooling');
  }
  const pooled = context.graph.node(opType, [context.nchw(input)], `${layer.name}_pool`);
  const name = context.graph.node('Flatten', [pooled], layer.name, { axis: intAttr(1) });
  return { name, layout: 'native', rank: 2 };
}

/** ZeroPadding2D: [[top, bottom], [left, right]] of zeros. */
function emitZeroPadding(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
): ExportedValue {
  const { padding, dataFormat } = layer.getConfig();
  const flat = Array.isArray(padding) ? padding.flat(2) : [padding];
  const sides = flat.map(Number);
  const [top, bottom, left, right] =
    sides.length === 1
      ? [sides[0], sides[0], sides[0], sides[0]]
      : sides.length === 2
        ? [sides[0], sides[0], sides[1], sides[1]]
        : sides;
  if (
    (dataFormat !== undefined && dataFormat !== 'channelsLast') ||
    [top, bottom, left, right].some(Number.isNaN)
  ) {
    throw new UnsupportedLayerError(layer, `unsupported padding ${JSON.stringify(padding)}`);
  }
  const pads = context.graph.int64Initializer(`${layer.name}_pads`, [0, 0, top, left, 0, 0, bottom, right]);
  const name = context.graph.node('Pad', [context.nchw(input), pads], layer.name);
  return { name, layout: 'nchw', rank: 4 };
}

/** Pooling and zero-padding layers; null for any other class. */
export function emitSpatialLayer(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
): ExportedValue | null {
  switch (layer.getClassName()) {
    case 'MaxPooling2D':
      return emitPooling(context, layer, input, 'MaxPool');
    case 'AveragePooling2D':
      return emitPooling(context, layer, input, 'AveragePool');
    case 'GlobalAveragePooling2D':
      return emitGlobalPooling(context, layer, input, 'GlobalAveragePool');
    case 'GlobalMaxPooling2D':
      return emitGlobalPooling(context, layer, input, 'GlobalMaxPool');
    case 'ZeroPadding2D':
      return emitZeroPadding(context, layer, input);
    default:
      return null;
  }
}
