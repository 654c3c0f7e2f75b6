import type * as tfl from '@tensorflow/tfjs-layers';

import { MultiHeadSelfAttention } from './vit.layers';

export interface ModelDescription {
  name: string;
  /** [height, width, channels] */
  inputShape: number[];
  /** Per output, without the batch dimension. */
  outputShapes: number[][];
  /** Every weight, batch-norm moving statistics included (what Keras' summary calls total params). */
  totalParams: number;
  /** Learned weights only (what torchvision / timm report as the parameter count). */
  trainableParams: number;
  nonTrainableParams: number;
  /** 2 x multiply-adds of convolutions, dense layers and attention matmuls, for one image. */
  flopsPerImage: number;
  layerCount: number;
}

type Shape = tfl.Shape;

function product(values: readonly number[]): number {
  return values.reduce((acc, value) => acc * value, 1);
}

function withoutBatch(shape: Shape, what: string): number[] {
  return shape.slice(1).map((dim) => {
    if (dim == null) throw new Error(`${what}: shape [${shape.join(', ')}] has unknown dimensions`);
    return dim;
  });
}

function singleOutputShape(layer: tfl.layers.Layer): number[] {
  const shape = layer.outputShape;
  const isList = Array.isArray(shape[0]);
  return withoutBatch(isList ? (shape as Shape[])[0] : (shape as Shape), layer.name);
}

function knownShape(shape: Shape, what: string): number[] {
  return withoutBatch([null, ...shape], what);
}

function countWeights(weights: readonly tfl.LayerVariable[]): number {
  return weights.reduce((acc, weight) => acc + product(knownShape(weight.shape, weight.name)), 0);
}

/** Multiply-adds x 2 of one layer for one image; layers without matrix products count 0. */
export function layerFlops(layer: tfl.layers.Layer): number {
  const kernel = layer.weights[0];
  const kernelShape = kernel === undefined ? [] : knownShape(kernel.shape, kernel.name);
  switch (layer.getClassName()) {
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      // conv kernel [kh, kw, in, out] / depthwise [kh, kw, in, multiplier]: each output value costs kh*kw*in or kh*kw.
      const [height, width] = singleOutputShape(layer);
      const [kh, kw, inChannels, perInput] = kernelShape;
      return 2 * height * width * kh * kw * inChannels * perInput;
    }
    case 'Dense': {
      const positions = product(singleOutputShape(layer).slice(0, -1));
      return 2 * positions * kernelShape[0] * kernelShape[1];
    }
    case MultiHeadSelfAttention.className: {
      const [tokens, dim] = singleOutputShape(layer);
      // q·kᵀ and attention·v: tokens² x dim multiply-adds each.
      return 2 * 2 * tokens * tokens * dim;
    }
    default:
      return 0;
  }
}

export function describeModel(model: tfl.LayersModel): ModelDescription {
  const trainableParams = countWeights(model.trainableWeights);
  const nonTrainableParams = countWeights(model.nonTrainableWeights);
  return {
    name: model.name,
    inputShape: withoutBatch(model.inputs[0].shape, model.name),
    outputShapes: model.outputs.map((output) => withoutBatch(output.shape, model.name)),
    totalParams: trainableParams + nonTrainableParams,
    trainableParams,
    nonTrainableParams,
    flopsPerImage: model.layers.reduce((acc, layer) => acc + layerFlops(layer), 0),
    layerCount: model.layers.length,
  };
}
