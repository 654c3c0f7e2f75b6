import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import {
  buildModel,
  depthwiseKernelInitializer,
  expectedKernelStd,
  kernelInitializer,
  type InitScheme,
} from './index';
import { useTestBackend } from './zoo.testing';

beforeAll(useTestBackend);

function moments(values: tf.Tensor): { mean: number; std: number } {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(values);
    return { mean: mean.dataSync()[0], std: Math.sqrt(variance.dataSync()[0]) };
  });
}

const schemes: InitScheme[] = ['he', 'xavier', 'small-random', 'zeros'];

describe('kernel initialisers', () => {
  it.each(schemes)('%s gives the expected std for a 3x3x64x128 conv kernel', (scheme) => {
    const kernel = kernelInitializer(scheme).apply([3, 3, 64, 128]);
    const { mean, std } = moments(kernel);
    const [fanIn, fanOut] = [3 * 3 * 64, 3 * 3 * 128];
    expect(Math.abs(mean)).toBeLessThan(0.05 * Math.max(expectedKernelStd(scheme, fanIn, fanOut), 1e-3));
    if (scheme === 'zeros') {
      expect(tf.tidy(() => tf.max(tf.abs(kernel)).dataSync()[0])).toBe(0);
    } else {
      expect(std / expectedKernelStd(scheme, fanIn, fanOut)).toBeCloseTo(1, 1);
    }
    kernel.dispose();
  });

  it('He gives std sqrt(2 / fan_in) for dense kernels and differs from Xavier when fan_out != fan_in', () => {
    const he = moments(kernelInitializer('he').apply([512, 64]));
    const xavier = moments(kernelInitializer('xavier').apply([512, 64]));
    expect(he.std / Math.sqrt(2 / 512)).toBeCloseTo(1, 1);
    expect(xavier.std / Math.sqrt(2 / (512 + 64))).toBeCloseTo(1, 1);
  });

  it('corrects the depthwise fan-in to kh * kw (tfjs would use kh * kw * channels)', () => {
    const kernel = depthwiseKernelInitializer('he', 256).apply([3, 3, 256, 1]);
    expect(moments(kernel).std / Math.sqrt(2 / 9)).toBeCloseTo(1, 1);
    const xavier = depthwiseKernelInitializer('xavier', 256).apply([3, 3, 256, 1]);
    expect(moments(xavier).std / Math.sqrt(2 / (9 + 9))).toBeCloseTo(1, 1);
    tf.dispose([kernel, xavier]);
  });
});

describe('init option of buildModel', () => {
  /** std / expected for every conv, depthwise and dense kernel of the model. */
  function kernelStdRatios(model: tfl.LayersModel, scheme: InitScheme): number[] {
    return model.layers.flatMap((layer) => {
      const kernel = layer.weights[0];
      const className = layer.getClassName();
      if (!['Conv2D', 'DepthwiseConv2D', 'Dense'].includes(className)) return [];
      const shape = kernel.shape as number[];
      const [fanIn, fanOut] =
        className === 'Dense'
          ? [shape[0], shape[1]]
          : className === 'DepthwiseConv2D'
            ? [shape[0] * shape[1], shape[0] * shape[1] * shape[3]]
            : [shape[0] * shape[1] * shape[2], shape[0] * shape[1] * shape[3]];
      return [moments(kernel.read()).std / expectedKernelStd(scheme, fanIn, fanOut)];
    });
  }

  it.each(['he', 'xavier', 'small-random'] as const)(
    '%s reaches every kernel of MobileNetV2 and ResNet',
    (init) => {
      const models = [
        buildModel({ arch: 'mobilenetv2', alpha: 0.5, inputSize: 32, numClasses: 10, init }),
        buildModel({ arch: 'resnet', depth: 18, width: 16, inputSize: 32, numClasses: 10, init }),
      ];
      for (const model of models) {
        const ratios = kernelStdRatios(model, init);
        expect(ratios.length).toBeGreaterThan(20);
        const sorted = [...ratios].sort((a, b) => a - b);
        expect(sorted[Math.floor(sorted.length / 2)]).toBeCloseTo(1, 1);
        // Small kernels (a few hundred values) scatter; none should be off by more than 25%.
        expect(sorted[0]).toBeGreaterThan(0.75);
        expect(sorted[sorted.length - 1]).toBeLessThan(1.25);
        model.dispose();
      }
    },
  );

  it('zeros gives all-zero kernels but keeps batch-norm scale at one', () => {
    const model = buildModel({
      arch: 'resnet',
      depth: 10,
      width: 8,
      inputSize: 32,
      numClasses: 2,
      init: 'zeros',
    });
    const kernelsAbsSum = model.layers
      .filter((layer) => ['Conv2D', 'Dense'].includes(layer.getClassName()))
      .reduce((acc, layer) => acc + tf.tidy(() => tf.sum(tf.abs(layer.weights[0].read())).dataSync()[0]), 0);
    expect(kernelsAbsSum).toBe(0);
    const gamma = model.getLayer('bn1').weights[0];
    expect(gamma.originalName).toBe('bn1/gamma');
    expect(Array.from(gamma.read().dataSync())).toEqual(new Array<number>(8).fill(1));
    model.dispose();
  });

  it('defaults to He', () => {
    const model = buildModel({ arch: 'resnet', depth: 10, width: 16, inputSize: 32, numClasses: 10 });
    const ratios = kernelStdRatios(model, 'he');
    expect(ratios.every((ratio) => Math.abs(ratio - 1) < 0.25)).toBe(true);
    model.dispose();
  });
});

describe('seed option of buildModel', () => {
  const weightsOf = (model: tfl.LayersModel): Float32Array[] =>
    model.getWeights().map((weight) => weight.dataSync() as Float32Array);

  it.each([
    ['resnet', { arch: 'resnet', depth: 10, width: 8, inputSize: 32, numClasses: 3 }],
    [
      'vit',
      {
        arch: 'vit',
        patchSize: 8,
        dim: 16,
        depth: 1,
        heads: 2,
        inputSize: 32,
        numClasses: 3,
        distillationToken: true,
      },
    ],
  ] as const)('%s: the same seed gives the same weights, another seed or none gives others', (_, spec) => {
    const [first, again, other, unseeded] = [
      buildModel({ ...spec, seed: 11 }),
      buildModel({ ...spec, seed: 11 }),
      buildModel({ ...spec, seed: 12 }),
      buildModel(spec),
    ];
    const reference = weightsOf(first);
    expect(weightsOf(again)).toEqual(reference);
    const randomTensors = reference.filter((values) => values.some((value) => value !== 0 && value !== 1));
    expect(randomTensors.length).toBeGreaterThan(3);
    for (const model of [other, unseeded]) {
      const differing = weightsOf(model).filter(
        (values, index) => !values.every((v, i) => v === reference[index][i]),
      );
      expect(differing.length).toBe(randomTensors.length);
    }
    [first, again, other, unseeded].forEach((model) => model.dispose());
  });

  it('refuses a seed that is not an integer', () => {
    expect(() => buildModel({ arch: 'resnet', depth: 10, numClasses: 2, seed: 1.5 })).toThrow(
      /seed must be an integer/,
    );
  });
});
