import * as tfl from '@tensorflow/tfjs-layers';

import { FastBatchNorm } from '../layers';
import { depthwiseKernelInitializer, kernelInitializer } from './kernel.initializers';
import { type InitScheme } from './model.types';

export type SymbolicTensor = tfl.SymbolicTensor;

export function applyLayer(
  layer: tfl.layers.Layer,
  input: SymbolicTensor | SymbolicTensor[],
): SymbolicTensor {
  const output = layer.apply(input);
  if (!(output instanceof tfl.SymbolicTensor)) {
    throw new Error(`layer ${layer.name} did not produce a single symbolic tensor`);
  }
  return output;
}

export interface BatchNormOptions {
  name: string;
  epsilon: number;
  momentum: number;
}

/**
 * Every batch norm of the zoo is made here. FastBatchNorm has the weights of Keras' BatchNormalization (so Keras
 * weights import by name) and a faster training gradient.
 */
export function batchNormLayer({ name, epsilon, momentum }: BatchNormOptions): tfl.layers.Layer {
  return new FastBatchNorm({ name, epsilon, momentum });
}

export function batchNorm(x: SymbolicTensor, options: BatchNormOptions): SymbolicTensor {
  return applyLayer(batchNormLayer(options), x);
}

export interface ConvOptions {
  name: string;
  filters: number;
  kernelSize: number;
  strides?: number;
  padding?: 'same' | 'valid';
  useBias?: boolean;
  init: InitScheme;
}

export function conv2d(x: SymbolicTensor, options: ConvOptions): SymbolicTensor {
  const layer = tfl.layers.conv2d({
    name: options.name,
    filters: options.filters,
    kernelSize: options.kernelSize,
    strides: options.strides ?? 1,
    padding: options.padding ?? 'same',
    useBias: options.useBias ?? false,
    kernelInitializer: kernelInitializer(options.init),
  });
  return applyLayer(layer, x);
}

export interface DepthwiseOptions {
  name: string;
  kernelSize: number;
  strides?: number;
  padding?: 'same' | 'valid';
  init: InitScheme;
}

export function depthwiseConv2d(x: SymbolicTensor, options: DepthwiseOptions): SymbolicTensor {
  const inChannels = channelsOf(x);
  const layer = tfl.layers.depthwiseConv2d({
    name: options.name,
    kernelSize: options.kernelSize,
    strides: options.strides ?? 1,
    padding: options.padding ?? 'same',
    useBias: false,
    depthwiseInitializer: depthwiseKernelInitializer(options.init, inChannels),
  });
  return applyLayer(layer, x);
}

export function relu(x: SymbolicTensor, name: string): SymbolicTensor {
  return applyLayer(tfl.layers.reLU({ name }), x);
}

export function relu6(x: SymbolicTensor, name: string): SymbolicTensor {
  return applyLayer(tfl.layers.reLU({ maxValue: 6, name }), x);
}

export function add(inputs: SymbolicTensor[], name: string): SymbolicTensor {
  return applyLayer(tfl.layers.add({ name }), inputs);
}

export interface ClassifierOptions {
  name: string;
  numClasses: number;
  dropout: number;
  init: InitScheme;
  dropoutName?: string;
}

/** Dropout (when rate > 0) and a dense layer producing logits. */
export function classifier(x: SymbolicTensor, options: ClassifierOptions): SymbolicTensor {
  const dropped =
    options.dropout > 0
      ? applyLayer(
          tfl.layers.dropout({
            rate: options.dropout,
            name: options.dropoutName ?? `${options.name}_dropout`,
          }),
          x,
        )
      : x;
  const dense = tfl.layers.dense({
    name: options.name,
    units: options.numClasses,
    kernelInitializer: kernelInitializer(options.init),
  });
  return applyLayer(dense, dropped);
}

export function channelsOf(x: SymbolicTensor): number {
  const channels = x.shape[x.shape.length - 1];
  if (channels == null) {
    throw new Error('the channel dimension must be known');
  }
  return channels;
}
