import * as tfl from '@tensorflow/tfjs-layers';

import {
  add,
  applyLayer,
  batchNorm,
  channelsOf,
  classifier,
  conv2d,
  relu,
  type SymbolicTensor,
} from './conv.blocks';
import { type GlobalPooling, type InitScheme, type ResNetDepth } from './model.types';

export interface ResNetOptions {
  depth: ResNetDepth;
  residual: boolean;
  width: number;
  pooling: GlobalPooling;
  inputSize: [number, number];
  numClasses: number;
  dropout: number;
  init: InitScheme;
  name: string;
}

type BlockKind = 'basic' | 'bottleneck';

export const RESNET_LAYOUTS: Readonly<Record<ResNetDepth, { block: BlockKind; blocks: readonly number[] }>> =
  {
    10: { block: 'basic', blocks: [1, 1, 1, 1] },
    18: { block: 'basic', blocks: [2, 2, 2, 2] },
    34: { block: 'basic', blocks: [3, 4, 6, 3] },
    50: { block: 'bottleneck', blocks: [3, 4, 6, 3] },
  };

/** torchvision's batch norm (eps 1e-5, running-average weight 0.1 = Keras momentum 0.9). */
const BN = { epsilon: 1e-5, momentum: 0.9 } as const;
const BOTTLENECK_EXPANSION = 4;

interface BlockOptions {
  prefix: string;
  planes: number;
  stride: number;
  residual: boolean;
  init: InitScheme;
}

function convBn(
  x: SymbolicTensor,
  name: string,
  bnName: string,
  filters: number,
  kernelSize: number,
  stride: number,
  init: InitScheme,
): SymbolicTensor {
  const y = conv2d(x, { name, filters, kernelSize, strides: stride, init });
  return batchNorm(y, { name: bnName, ...BN });
}

/** 1x1 conv + BN on the skip path when the block changes resolution or channel count. */
function shortcut(inputs: SymbolicTensor, outChannels: number, options: BlockOptions): SymbolicTensor {
  if (options.stride === 1 && channelsOf(inputs) === outChannels) {
    return inputs;
  }
  const { prefix, stride, init } = options;
  return convBn(inputs, `${prefix}_downsample_0`, `${prefix}_downsample_1`, outChannels, 1, stride, init);
}

function closeBlock(
  inputs: SymbolicTensor,
  x: SymbolicTensor,
  outChannels: number,
  options: BlockOptions,
): SymbolicTensor {
  const { prefix } = options;
  const merged = options.residual ? add([shortcut(inputs, outChannels, options), x], `${prefix}_add`) : x;
  return relu(merged, `${prefix}_relu`);
}

function basicBlock(inputs: SymbolicTensor, options: BlockOptions): SymbolicTensor {
  const { prefix, planes, stride, init } = options;
  let x = convBn(inputs, `${prefix}_conv1`, `${prefix}_bn1`, planes, 3, stride, init);
  x = relu(x, `${prefix}_relu1`);
  x = convBn(x, `${prefix}_conv2`, `${prefix}_bn2`, planes, 3, 1, init);
  return closeBlock(inputs, x, planes, options);
}

/** torchvision's "ResNet v1.5" bottleneck: the stride sits on the 3x3 conv. */
function bottleneckBlock(inputs: SymbolicTensor, options: BlockOptions): SymbolicTensor {
  const { prefix, planes, stride, init } = options;
  let x = convBn(inputs, `${prefix}_conv1`, `${prefix}_bn1`, planes, 1, 1, init);
  x = relu(x, `${prefix}_relu1`);
  x = convBn(x, `${prefix}_conv2`, `${prefix}_bn2`, planes, 3, stride, init);
  x = relu(x, `${prefix}_relu2`);
  x = convBn(x, `${prefix}_conv3`, `${prefix}_bn3`, planes * BOTTLENECK_EXPANSION, 1, 1, init);
  return closeBlock(inputs, x, planes * BOTTLENECK_EXPANSION, options);
}

/**
 * ResNet with torchvision's structure and parameter count (no conv biases) and names mapping onto its state
 * dict ('layer1_0_conv1' ↔ 'layer1.0.conv1'). Convs use TF 'same' padding: for stride 2 on even sizes it pads
 * bottom/right only, where torchvision pads both sides, so imported torchvision weights shift by one pixel.
 */
export function buildResNet(options: ResNetOptions): tfl.LayersModel {
  const { init, width, residual } = options;
  const layout = RESNET_LAYOUTS[options.depth] as (typeof RESNET_LAYOUTS)[ResNetDepth] | undefined;
  if (layout === undefined) {
    throw new Error(
      `unknown ResNet depth ${options.depth}; known: ${Object.keys(RESNET_LAYOUTS).join(', ')}`,
    );
  }
  const input = tfl.input({ shape: [...options.inputSize, 3], name: 'input' });
  let x = convBn(input, 'conv1', 'bn1', width, 7, 2, init);
  x = relu(x, 'relu');
  x = applyLayer(tfl.layers.maxPooling2d({ name: 'maxpool', poolSize: 3, strides: 2, padding: 'same' }), x);

  layout.blocks.forEach((blockCount, stage) => {
    const planes = width * 2 ** stage;
    for (let index = 0; index < blockCount; index++) {
      const blockOptions: BlockOptions = {
        prefix: `layer${stage + 1}_${index}`,
        planes,
        stride: stage > 0 && index === 0 ? 2 : 1,
        residual,
        init,
      };
      x = layout.block === 'basic' ? basicBlock(x, blockOptions) : bottleneckBlock(x, blockOptions);
    }
  });

  x = applyLayer(
    options.pooling === 'max'
      ? tfl.layers.globalMaxPooling2d({ name: 'global_maxpool' })
      : tfl.layers.globalAveragePooling2d({ name: 'avgpool' }),
    x,
  );
  const logits = classifier(x, {
    name: 'fc',
    dropoutName: 'dropout',
    numClasses: options.numClasses,
    dropout: options.dropout,
    init,
  });
  return tfl.model({ inputs: input, outputs: logits, name: options.name });
}
