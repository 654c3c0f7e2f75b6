import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@linescope/vision/backend';
import { buildModel } from '@linescope/vision/models';
import { classifierHeads, scaleClassifierHeads } from './head.init';

beforeAll(() => initBackend({ preferred: 'wasm', logger: () => undefined }));

describe('scaleClassifierHeads', () => {
  it('finds both DeiT heads and scales their kernels, zeroing biases', () => {
    const model = buildModel({
      arch: 'vit',
      patchSize: 8,
      dim: 16,
      depth: 1,
      heads: 2,
      mlpRatio: 2,
      inputSize: 16,
      numClasses: 3,
      distillationToken: true,
    });
    expect(classifierHeads(model).map((l) => l.name)).toEqual(['head', 'head_dist']);
    const before = model.getLayer('head').getWeights()[0].dataSync().slice();
    expect(scaleClassifierHeads(model, 0.01, new Set(['head_dist']))).toEqual(['head']);
    const [kernel, bias] = model.getLayer('head').getWeights();
    const after = kernel.dataSync();
    before.forEach((v, i) => expect(after[i]).toBeCloseTo(v * 0.01, 7));
    expect(Array.from(bias.dataSync())).toEqual([0, 0, 0]);
    expect(scaleClassifierHeads(model, 1)).toEqual([]);
    model.dispose();
  });

  it('brings a fresh model initial loss to ln(C)', () => {
    const model = buildModel({ arch: 'resnet', depth: 10, width: 8, inputSize: 32, numClasses: 6 });
    const images = tf.randomNormal<tf.Rank.R4>([16, 32, 32, 3], 0, 1, 'float32', 1);
    const labels = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 16 }, (_, i) => i % 6),
        'int32',
      ),
      6,
    );
    const loss = () =>
      tf.tidy(
        () =>
          tf.losses
            .softmaxCrossEntropy(labels, model.apply(images, { training: true }) as tf.Tensor)
            .dataSync()[0],
      );
    scaleClassifierHeads(model, 0.01);
    expect(Math.abs(loss() - Math.log(6))).toBeLessThan(0.05);
    tf.dispose([images, labels]);
    model.dispose();
  });
});
