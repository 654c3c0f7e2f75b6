import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { buildModel, describeModel, type ResNetDepth } from './index';
import { layersOfClass, maxAbsDifference, saveAndLoad, useTestBackend } from './zoo.testing';

beforeAll(useTestBackend);

describe('ResNet', () => {
  it.each([
    [10, 32, 2],
    [10, 64, 6],
    [18, 32, 6],
    [18, 64, 2],
    [50, 32, 3],
    [50, 64, 6],
  ] as const)('resnet%i builds at %ipx with %i classes', (depth, size, numClasses) => {
    const model = buildModel({ arch: 'resnet', depth, width: 8, inputSize: size, numClasses });
    const logits = tf.tidy(() => model.predict(tf.randomNormal([2, size, size, 3])) as tf.Tensor);
    expect(logits.shape).toEqual([2, numClasses]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    logits.dispose();
    model.dispose();
  });

  // torchvision.models.resnetXX(num_classes=1000): sum(p.numel() for p in model.parameters()) and its "GFLOPS"
  // column (which counts multiply-adds). Keras' ResNet50 has conv biases (25,636,712 weights), so torchvision is the
  // reference here; batch-norm running statistics are buffers in torch, hence trainableParams. resnet10 is not in
  // torchvision: its count is the same arithmetic with one basic block per stage.
  it.each([
    [10, 5_418_792, 0.89e9],
    [18, 11_689_512, 1.81e9],
    [34, 21_797_672, 3.66e9],
    [50, 25_557_032, 4.09e9],
  ] as const)(
    'resnet%i matches torchvision: %i parameters, %d multiply-adds at 224',
    (depth, params, multiplyAdds) => {
      const model = buildModel({
        arch: 'resnet',
        depth,
        inputSize: 224,
        numClasses: 1000,
        init: 'zeros',
        dropout: 0,
      });
      const description = describeModel(model);
      expect(description.trainableParams).toBe(params);
      expect(Math.abs(description.flopsPerImage / 2 / multiplyAdds - 1)).toBeLessThan(0.01);
      model.dispose();
    },
  );

  it('residual: false removes the skip connections (the plain network of He et al.)', () => {
    const residual = buildModel({ arch: 'resnet', depth: 18, width: 8, inputSize: 32, numClasses: 2 });
    const plain = buildModel({
      arch: 'resnet',
      depth: 18,
      width: 8,
      inputSize: 32,
      numClasses: 2,
      residual: false,
    });
    expect(layersOfClass(residual, 'Add')).toHaveLength(8);
    expect(layersOfClass(plain, 'Add')).toHaveLength(0);
    // The projection shortcuts (3 stage transitions) go too; the main path keeps its 17 convs.
    expect(layersOfClass(residual, 'Conv2D')).toHaveLength(20);
    expect(layersOfClass(plain, 'Conv2D')).toHaveLength(17);
    expect(plain.outputs[0].shape).toEqual([null, 2]);
    residual.dispose();
    plain.dispose();
  });

  it("pooling: 'max' keeps the strongest location of the last feature map", () => {
    const spec = { arch: 'resnet', depth: 10, width: 4, inputSize: 32, numClasses: 2, seed: 3 } as const;
    const averaged = buildModel(spec);
    const maximal = buildModel({ ...spec, pooling: 'max' });
    expect(layersOfClass(averaged, 'GlobalAveragePooling2D')).toHaveLength(1);
    expect(layersOfClass(maximal, 'GlobalMaxPooling2D')).toHaveLength(1);
    expect(layersOfClass(maximal, 'GlobalAveragePooling2D')).toHaveLength(0);
    // Same seed, same weights: the pooled features differ exactly as max and mean of the same map.
    const lastMap = (model: tfl.LayersModel): tfl.LayersModel =>
      tfl.model({
        inputs: model.inputs,
        outputs: model.getLayer('global_maxpool').input,
      });
    const image = tf.randomNormal<tf.Rank.R4>([1, 32, 32, 3], 0, 1, 'float32', 9);
    const features = lastMap(maximal).predict(image) as tf.Tensor4D;
    const pooled = tfl.model({
      inputs: maximal.inputs,
      outputs: maximal.getLayer('global_maxpool').output,
    });
    const expected = tf.max(features, [1, 2]);
    const actual = pooled.predict(image) as tf.Tensor;
    expect(maxAbsDifference(actual, expected)).toBeLessThan(1e-6);
    tf.dispose([image, features, expected, actual]);
    averaged.dispose();
    maximal.dispose();
  });

  it('width sets the stem and stage channels', () => {
    const model = buildModel({
      arch: 'resnet',
      depth: 50,
      width: 16,
      inputSize: 64,
      numClasses: 2,
      init: 'zeros',
    });
    expect(model.getLayer('conv1').outputShape).toEqual([null, 32, 32, 16]);
    expect(model.getLayer('maxpool').outputShape).toEqual([null, 16, 16, 16]);
    expect(model.getLayer('layer1_0_add').outputShape).toEqual([null, 16, 16, 64]);
    expect(model.getLayer('layer4_2_relu').outputShape).toEqual([null, 2, 2, 512]);
    // v1.5: the stride sits on the 3x3 conv of the first bottleneck of a stage.
    expect(model.getLayer('layer2_0_conv1').outputShape).toEqual([null, 16, 16, 32]);
    expect(model.getLayer('layer2_0_conv2').outputShape).toEqual([null, 8, 8, 32]);
    model.dispose();
  });

  it('names layers after the torchvision state dict', () => {
    const model = buildModel({
      arch: 'resnet',
      depth: 18,
      width: 8,
      inputSize: 32,
      numClasses: 2,
      init: 'zeros',
    });
    const weightLayers = model.layers.filter((layer) => layer.weights.length > 0).map((layer) => layer.name);
    expect(weightLayers.slice(0, 6)).toEqual([
      'conv1',
      'bn1',
      'layer1_0_conv1',
      'layer1_0_bn1',
      'layer1_0_conv2',
      'layer1_0_bn2',
    ]);
    expect(weightLayers).toContain('layer2_0_downsample_0');
    expect(weightLayers).toContain('layer2_0_downsample_1');
    expect(weightLayers[weightLayers.length - 1]).toBe('fc');
    model.dispose();
  });

  it('saves and loads back (batch norm layer registered for serialisation)', async () => {
    const model = buildModel({ arch: 'resnet', depth: 18, width: 8, inputSize: 32, numClasses: 3 });
    const loaded = await saveAndLoad(model);
    const images = tf.randomUniform<tf.Rank.R4>([2, 32, 32, 3], -1, 1, 'float32', 4);
    const [before, after] = [model, loaded].map((m) => m.predict(images) as tf.Tensor);
    expect(loaded.getLayer('layer1_0_bn1').getClassName()).toBe(
      model.getLayer('layer1_0_bn1').getClassName(),
    );
    expect(maxAbsDifference(before, after)).toBe(0);
    tf.dispose([images, before, after]);
    model.dispose();
    loaded.dispose();
  });

  it('rejects a depth it does not know', () => {
    expect(() => buildModel({ arch: 'resnet', depth: 101 as ResNetDepth, numClasses: 2 })).toThrow(/depth/);
  });
});
