import * as tfl from '@tensorflow/tfjs-layers';

import { ARCH_DEFAULTS, buildModel, describeModel, layerFlops, preprocessingFamilyOf } from './index';
import { useTestBackend } from './zoo.testing';

beforeAll(useTestBackend);

describe('describeModel', () => {
  it('counts parameters and FLOPs of a hand-checkable model', () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const conv = tfl.layers.conv2d({
      filters: 4,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
    });
    const bn = tfl.layers.batchNormalization();
    const depthwise = tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' });
    const pool = tfl.layers.globalAveragePooling2d({});
    const dense = tfl.layers.dense({ units: 5 });
    const output = dense.apply(
      pool.apply(depthwise.apply(bn.apply(conv.apply(input)))),
    ) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output, name: 'hand' });

    // conv: 4x4 outputs x 4 channels x (3*3*3) MACs; depthwise: 4x4 x 8 channels x 9; dense: 8 x 5.
    expect(layerFlops(conv)).toBe(2 * 4 * 4 * 4 * 27);
    expect(layerFlops(depthwise)).toBe(2 * 4 * 4 * 8 * 9);
    expect(layerFlops(dense)).toBe(2 * 8 * 5);
    expect(layerFlops(bn)).toBe(0);

    const description = describeModel(model);
    expect(description).toEqual({
      name: 'hand',
      inputShape: [8, 8, 3],
      outputShapes: [[5]],
      // conv 108, bn gamma+beta 8 (+ 8 moving stats), depthwise 3*3*4*2 + 8 bias, dense 8*5 + 5.
      trainableParams: 108 + 8 + 80 + 45,
      nonTrainableParams: 8,
      totalParams: 108 + 16 + 80 + 45,
      flopsPerImage: 2 * (4 * 4 * 4 * 27 + 4 * 4 * 8 * 9 + 8 * 5),
      layerCount: 6,
    });
    model.dispose();
  });

  it('counts the attention matmuls of a ViT and dense layers per token', () => {
    const model = buildModel({
      arch: 'vit',
      patchSize: 8,
      dim: 16,
      depth: 1,
      heads: 2,
      mlpRatio: 2,
      inputSize: 16,
      numClasses: 3,
    });
    const tokens = 4 + 1;
    expect(layerFlops(model.getLayer('blocks_0_attn'))).toBe(2 * 2 * tokens * tokens * 16);
    expect(layerFlops(model.getLayer('blocks_0_attn_qkv'))).toBe(2 * tokens * 16 * 48);
    expect(layerFlops(model.getLayer('patch_embed_proj'))).toBe(2 * 4 * 8 * 8 * 3 * 16);
    expect(describeModel(model).outputShapes).toEqual([[3]]);
    model.dispose();
  });
});

describe('architecture defaults', () => {
  it('exports each family’s default input size and preprocessing family', () => {
    expect(ARCH_DEFAULTS).toEqual({
      mobilenetv2: { inputSize: 224, preprocessing: 'mobilenet' },
      resnet: { inputSize: 224, preprocessing: 'resnet' },
      vit: { inputSize: 224, preprocessing: 'vit' },
    });
    expect(preprocessingFamilyOf('mobilenetv2')).toBe('mobilenet');
  });

  it('builds at the default input size when none is given', () => {
    const model = buildModel({ arch: 'mobilenetv2', alpha: 0.35, numClasses: 2, init: 'zeros' });
    expect(describeModel(model).inputShape).toEqual([224, 224, 3]);
    model.dispose();
  });

  it.each([
    [{ numClasses: 0 }, /numClasses/],
    [{ numClasses: 2.5 }, /numClasses/],
    [{ numClasses: 2, dropout: 1 }, /dropout/],
    [{ numClasses: 2, inputSize: 0 }, /input size/],
  ])('rejects %j', (override, message) => {
    expect(() => buildModel({ arch: 'resnet', depth: 10, ...override })).toThrow(message);
  });
});
