import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { type BatchNormParams, type KernelLayout } from './batchnorm.fold';
import { type FusedActivation } from './serving.types';

/** Layers that are the identity at inference. */
export const INFERENCE_IDENTITY_LAYERS: ReadonlySet<string> = new Set([
  'Dropout',
  'SpatialDropout1D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
]);

const BATCH_NORM_CLASSES = new Set(['BatchNormalization', 'FastBatchNorm']);
const FUSABLE: ReadonlySet<string> = new Set<FusedActivation>(['linear', 'relu', 'relu6', 'elu', 'sigmoid']);

export function kernelLayoutOf(layer: tfl.layers.Layer): KernelLayout | null {
  switch (layer.getClassName()) {
    case 'Conv2D':
      return 'conv2d';
    case 'DepthwiseConv2D':
      return 'depthwise';
    case 'Dense':
      return 'dense';
    default:
      return null;
  }
}

/** A weight's current value by the last segment of its name ('kernel', 'bias', 'moving_mean', ...). */
export function weightByRole(layer: tfl.layers.Layer, role: string): tf.Tensor | null {
  const weight = layer.weights.find((candidate) => candidate.originalName.split('/').pop() === role);
  return weight === undefined ? null : weight.read();
}

function asFusedActivation(name: unknown): FusedActivation | null {
  return typeof name === 'string' && FUSABLE.has(name) ? (name as FusedActivation) : null;
}

/** The activation a conv / dense layer applies itself, if a fused kernel can apply it. */
export function ownActivationOf(layer: tfl.layers.Layer): FusedActivation | null {
  const activation = layer.getConfig().activation;
  return activation === undefined || activation === null ? 'linear' : asFusedActivation(activation);
}

/** For a standalone activation layer (ReLU, ReLU(6), Activation): the fused equivalent, else null. */
export function activationLayerKind(layer: tfl.layers.Layer): FusedActivation | null {
  const config = layer.getConfig();
  switch (layer.getClassName()) {
    case 'ReLU':
      return config.maxValue == null ? 'relu' : config.maxValue === 6 ? 'relu6' : null;
    case 'Activation':
      return asFusedActivation(config.activation);
    default:
      return null;
  }
}

function inputRank(layer: tfl.layers.Layer): number {
  const input = layer.input;
  return (Array.isArray(input) ? input[0] : input).shape.length;
}

/** Inference parameters of a batch norm over the last axis, or null for anything else. */
export function batchNormParamsOf(layer: tfl.layers.Layer): BatchNormParams | null {
  if (!BATCH_NORM_CLASSES.has(layer.getClassName())) {
    return null;
  }
  const config = layer.getConfig();
  const axis = config.axis ?? -1;
  if (axis !== -1 && axis !== inputRank(layer) - 1) {
    return null;
  }
  const movingMean = weightByRole(layer, 'moving_mean');
  const movingVariance = weightByRole(layer, 'moving_variance');
  if (movingMean === null || movingVariance === null || typeof config.epsilon !== 'number') {
    return null;
  }
  return {
    gamma: weightByRole(layer, 'gamma') as tf.Tensor1D | null,
    beta: weightByRole(layer, 'beta') as tf.Tensor1D | null,
    movingMean: movingMean as tf.Tensor1D,
    movingVariance: movingVariance as tf.Tensor1D,
    epsilon: config.epsilon,
  };
}
