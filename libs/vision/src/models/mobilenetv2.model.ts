import * as tfl from '@tensorflow/tfjs-layers';

import {
  add,
  applyLayer,
  batchNorm,
  channelsOf,
  classifier,
  conv2d,
  depthwiseConv2d,
  relu6,
  type SymbolicTensor,
} from './conv.blocks';
import { type InitScheme, type MobileNetV2Alpha } from './model.types';

export interface MobileNetV2Options {
  alpha: MobileNetV2Alpha;
  inputSize: [number, number];
  numClasses: number;
  dropout: number;
  init: InitScheme;
  name: string;
}

/** Keras' MobileNetV2 batch-norm settings, kept so imported weights behave the same. */
const BN = { epsilon: 1e-3, momentum: 0.999 } as const;

/** [expansion, output channels before alpha, repeats, first stride] per stage (Sandler et al., table 2). */
const STAGES: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** Rounds channels to a multiple of `divisor`, never dropping more than 10% (as in the reference code). */
export function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}

interface InvertedResidualOptions {
  blockId: number;
  expansion: number;
  filters: number;
  stride: number;
  init: InitScheme;
}

/** Expand (1x1, ReLU6) → depthwise 3x3 (ReLU6) → linear projection (1x1), with a skip when shapes allow. */
function invertedResidual(inputs: SymbolicTensor, options: InvertedResidualOptions): SymbolicTensor {
  const { blockId, expansion, filters, stride, init } = options;
  const inChannels = channelsOf(inputs);
  const prefix = blockId === 0 ? 'expanded_conv_' : `block_${blockId}_`;
  let x = inputs;
  if (blockId !== 0) {
    x = conv2d(x, { name: `${prefix}expand`, filters: expansion * inChannels, kernelSize: 1, init });
    x = batchNorm(x, { name: `${prefix}expand_BN`, ...BN });
    x = relu6(x, `${prefix}expand_relu`);
  }
  x = depthwiseConv2d(x, { name: `${prefix}depthwise`, kernelSize: 3, strides: stride, init });
  x = batchNorm(x, { name: `${prefix}depthwise_BN`, ...BN });
  x = relu6(x, `${prefix}depthwise_relu`);
  x = conv2d(x, { name: `${prefix}project`, filters, kernelSize: 1, init });
  x = batchNorm(x, { name: `${prefix}project_BN`, ...BN });
  return inChannels === filters && stride === 1 ? add([inputs, x], `${prefix}add`) : x;
}

/**
 * MobileNetV2 with Keras layer names. Keras pads stride-2 depthwise convs with an explicit ZeroPadding2D; 'same'
 * padding here pads identically (bottom/right for even sizes, both sides for odd) without the extra layer.
 */
export function buildMobileNetV2(options: MobileNetV2Options): tfl.LayersModel {
  const { alpha, init } = options;
  const input = tfl.input({ shape: [...options.inputSize, 3], name: 'input_1' });
  let x = conv2d(input, {
    name: 'Conv1',
    filters: makeDivisible(32 * alpha),
    kernelSize: 3,
    strides: 2,
    init,
  });
  x = batchNorm(x, { name: 'bn_Conv1', ...BN });
  x = relu6(x, 'Conv1_relu');

  let blockId = 0;
  for (const [expansion, channels, repeats, firstStride] of STAGES) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      const filters = makeDivisible(channels * alpha);
      const stride = repeat === 0 ? firstStride : 1;
      x = invertedResidual(x, { blockId, expansion, filters, stride, init });
      blockId++;
    }
  }

  // The paper keeps 1280 channels for alpha <= 1 (only wider models grow the last conv).
  x = conv2d(x, { name: 'Conv_1', filters: 1280, kernelSize: 1, init });
  x = batchNorm(x, { name: 'Conv_1_bn', ...BN });
  x = relu6(x, 'out_relu');
  x = applyLayer(tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }), x);
  const logits = classifier(x, {
    name: 'predictions',
    dropoutName: 'dropout',
    numClasses: options.numClasses,
    dropout: options.dropout,
    init,
  });
  return tfl.model({ inputs: input, outputs: logits, name: options.name });
}
