import * as tf from '@tensorflow/tfjs-core';

import { buildModel, describeModel, makeDivisible } from './index';
import { layersOfClass, useTestBackend } from './zoo.testing';

beforeAll(useTestBackend);

describe('MobileNetV2', () => {
  it.each([
    [32, 2],
    [32, 6],
    [64, 2],
    [64, 6],
  ])('builds at %ipx with %i classes and returns logits of shape [batch, classes]', (size, numClasses) => {
    const model = buildModel({ arch: 'mobilenetv2', alpha: 0.35, inputSize: size, numClasses });
    const logits = tf.tidy(() => model.predict(tf.randomUniform([2, size, size, 3], -1, 1)) as tf.Tensor);
    expect(logits.shape).toEqual([2, numClasses]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    logits.dispose();
    model.dispose();
  });

  it('accepts a non-square input', () => {
    const model = buildModel({ arch: 'mobilenetv2', alpha: 0.35, inputSize: [48, 32], numClasses: 3 });
    expect(model.outputs[0].shape).toEqual([null, 3]);
    expect(model.getLayer('Conv1').outputShape).toEqual([null, 24, 16, 16]);
    model.dispose();
  });

  it('has exactly the parameter count of Keras MobileNetV2 (alpha 1.0, 224, 1000 classes)', () => {
    const model = buildModel({
      arch: 'mobilenetv2',
      alpha: 1.0,
      inputSize: 224,
      numClasses: 1000,
      init: 'zeros',
    });
    const description = describeModel(model);
    // keras.applications.MobileNetV2().summary(): total 3,538,984 / trainable 3,504,872 / non-trainable 34,112.
    expect(description.totalParams).toBe(3_538_984);
    expect(description.trainableParams).toBe(3_504_872);
    expect(description.nonTrainableParams).toBe(34_112);
    // ~300M multiply-adds (Sandler et al., table 3).
    expect(description.flopsPerImage / 2).toBeGreaterThan(297e6);
    expect(description.flopsPerImage / 2).toBeLessThan(303e6);
    model.dispose();
  });

  it('parameter count does not depend on the input size, only on classes and alpha', () => {
    const counts = [32, 64].map((size) => {
      const model = buildModel({
        arch: 'mobilenetv2',
        alpha: 0.5,
        inputSize: size,
        numClasses: 10,
        init: 'zeros',
      });
      const params = describeModel(model).totalParams;
      model.dispose();
      return params;
    });
    expect(counts[0]).toBe(counts[1]);
    // Keras MobileNetV2(alpha=0.5, include_top=False) has 706,224 weights; the head adds 1280 * 10 + 10.
    expect(counts[0]).toBe(706_224 + 1280 * 10 + 10);
  });

  it('scales width with alpha using Keras channel rounding', () => {
    expect([0.35, 0.5, 0.75, 1.0].map((alpha) => makeDivisible(32 * alpha))).toEqual([16, 16, 24, 32]);
    expect(makeDivisible(320 * 0.35)).toBe(112);
    const model = buildModel({
      arch: 'mobilenetv2',
      alpha: 0.75,
      inputSize: 32,
      numClasses: 2,
      init: 'zeros',
    });
    expect(model.getLayer('Conv1').outputShape).toEqual([null, 16, 16, 24]);
    expect(model.getLayer('block_16_project').outputShape).toEqual([null, 1, 1, 240]);
    expect(model.getLayer('Conv_1').outputShape).toEqual([null, 1, 1, 1280]);
    model.dispose();
  });

  it('uses the Keras layer names so Keras weights can be imported by name', () => {
    const model = buildModel({
      arch: 'mobilenetv2',
      alpha: 0.35,
      inputSize: 32,
      numClasses: 2,
      init: 'zeros',
    });
    const names = new Set(model.layers.map((layer) => layer.name));
    const expected = [
      'Conv1',
      'bn_Conv1',
      'Conv1_relu',
      'expanded_conv_depthwise',
      'expanded_conv_depthwise_BN',
      'expanded_conv_project',
      'expanded_conv_project_BN',
      'block_1_expand',
      'block_1_expand_BN',
      'block_1_expand_relu',
      'block_1_depthwise',
      'block_1_depthwise_BN',
      'block_1_project',
      'block_1_project_BN',
      'block_2_add',
      'block_16_project_BN',
      'Conv_1',
      'Conv_1_bn',
      'out_relu',
      'predictions',
    ];
    expect(expected.filter((name) => !names.has(name))).toEqual([]);
    expect(names.has('expanded_conv_expand')).toBe(false);
    // Residual adds: blocks 2, 4, 5, 7, 8, 9, 11, 12, 14, 15.
    expect(layersOfClass(model, 'Add').map((layer) => layer.name)).toEqual(
      [2, 4, 5, 7, 8, 9, 11, 12, 14, 15].map((id) => `block_${id}_add`),
    );
    expect(layersOfClass(model, 'DepthwiseConv2D')).toHaveLength(17);
    const relu6 = layersOfClass(model, 'ReLU').map((layer) => layer.getConfig().maxValue);
    expect(new Set(relu6)).toEqual(new Set([6]));
    model.dispose();
  });

  it('puts a configurable dropout before the classifier', () => {
    const model = buildModel({
      arch: 'mobilenetv2',
      alpha: 0.35,
      inputSize: 32,
      numClasses: 2,
      dropout: 0.3,
    });
    const names = model.layers.map((layer) => layer.name);
    expect(names.slice(-2)).toEqual(['dropout', 'predictions']);
    expect(model.getLayer('dropout').getConfig().rate).toBe(0.3);
    model.dispose();
    const withoutDropout = buildModel({
      arch: 'mobilenetv2',
      alpha: 0.35,
      inputSize: 32,
      numClasses: 2,
      dropout: 0,
    });
    expect(layersOfClass(withoutDropout, 'Dropout')).toHaveLength(0);
    withoutDropout.dispose();
  });
});
