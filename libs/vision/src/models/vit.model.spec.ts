import * as tf from '@tensorflow/tfjs-core';

import {
  averageDistillationLogits,
  buildModel,
  describeModel,
  MultiHeadSelfAttention,
  predictLogits,
  type ViTSpec,
} from './index';
import { layersOfClass, maxAbsDifference, saveAndLoad, useTestBackend } from './zoo.testing';

beforeAll(useTestBackend);

const tiny = { arch: 'vit', patchSize: 8, dim: 32, depth: 2, heads: 2, mlpRatio: 2 } as const;

describe('ViT / DeiT', () => {
  it.each([
    [32, 2],
    [32, 6],
    [64, 2],
    [64, 6],
  ])('builds at %ipx with %i classes and returns logits of shape [batch, classes]', (size, numClasses) => {
    const model = buildModel({ ...tiny, inputSize: size, numClasses });
    const logits = tf.tidy(() => model.predict(tf.randomUniform([2, size, size, 3], -1, 1)) as tf.Tensor);
    expect(logits.shape).toEqual([2, numClasses]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    logits.dispose();
    model.dispose();
  });

  it('has one position embedding per patch plus the class token', () => {
    const [small, large] = [32, 64].map((inputSize) => {
      const model = buildModel({ ...tiny, inputSize, numClasses: 2, init: 'zeros' });
      const description = { ...describeModel(model), posEmbed: model.getLayer('pos_embed').weights[0].shape };
      model.dispose();
      return description;
    });
    expect(small.posEmbed).toEqual([1, 1 + 16, tiny.dim]);
    expect(large.posEmbed).toEqual([1, 1 + 64, tiny.dim]);
    expect(large.totalParams - small.totalParams).toBe((64 - 16) * tiny.dim);
  });

  // timm: deit_tiny_patch16_224 has 5,717,416 parameters, deit_tiny_distilled_patch16_224 5,910,800; the DeiT paper
  // lists 1.3 GFLOPs (fvcore multiply-adds) for DeiT-Ti.
  it.each([
    [false, 5_717_416],
    [true, 5_910_800],
  ])('defaults to DeiT-Tiny (distillation token: %s, %i parameters)', (distillationToken, params) => {
    const model = buildModel({ arch: 'vit', numClasses: 1000, distillationToken, init: 'zeros' });
    const description = describeModel(model);
    expect(description.inputShape).toEqual([224, 224, 3]);
    expect(description.totalParams).toBe(params);
    expect(description.flopsPerImage / 2).toBeGreaterThan(1.2e9);
    expect(description.flopsPerImage / 2).toBeLessThan(1.3e9);
    expect(layersOfClass(model, MultiHeadSelfAttention.className)).toHaveLength(12);
    model.dispose();
  });

  it('with a distillation token has two outputs; inference averages them', () => {
    const model = buildModel({ ...tiny, inputSize: 32, numClasses: 3, distillationToken: true });
    expect(model.outputs.map((output) => output.shape)).toEqual([
      [null, 3],
      [null, 3],
    ]);
    expect(model.outputNames).toEqual(['head', 'head_dist']);
    const images = tf.randomUniform<tf.Rank.R4>([2, 32, 32, 3], -1, 1, 'float32', 3);
    const [classLogits, distLogits] = model.predict(images) as tf.Tensor2D[];
    // Heads are initialised independently, so the two outputs differ and averaging is observable.
    expect(maxAbsDifference(classLogits, distLogits)).toBeGreaterThan(1e-3);
    const averaged = predictLogits(model, images);
    const expected = averageDistillationLogits(classLogits, distLogits);
    expect(averaged.shape).toEqual([2, 3]);
    expect(maxAbsDifference(averaged, expected)).toBeLessThan(1e-6);
    const [a, b] = [classLogits.arraySync(), distLogits.arraySync()];
    expect(expected.arraySync()[1][2]).toBeCloseTo((a[1][2] + b[1][2]) / 2, 6);
    tf.dispose([images, classLogits, distLogits, averaged, expected]);
    model.dispose();
  });

  it('multi-head attention matches a loop implementation of softmax(q kᵀ / sqrt(d)) v', () => {
    const [tokens, heads, headDim] = [3, 2, 2];
    const dim = heads * headDim;
    const packed = Array.from({ length: tokens }, (_, t) =>
      Array.from({ length: 3 * dim }, (_, c) => Math.sin(1 + t * 3.1 + c * 0.7)),
    );
    const expected = packed.map((_, t) =>
      Array.from({ length: dim }, (_, c) => {
        const head = Math.floor(c / headDim);
        const slot = (kind: number, token: number, i: number): number =>
          packed[token][kind * dim + head * headDim + i];
        const scores = packed.map((__, other) => {
          let dot = 0;
          for (let i = 0; i < headDim; i++) dot += slot(0, t, i) * slot(1, other, i);
          return dot / Math.sqrt(headDim);
        });
        const weights = scores.map((score) => Math.exp(score));
        const total = weights.reduce((acc, w) => acc + w, 0);
        return weights.reduce((acc, w, other) => acc + (w / total) * slot(2, other, c % headDim), 0);
      }),
    );
    const layer = new MultiHeadSelfAttention({ numHeads: heads });
    const output = layer.apply(tf.tensor3d([packed])) as tf.Tensor;
    expect(output.shape).toEqual([1, tokens, dim]);
    const actual = (output.arraySync() as number[][][])[0];
    actual.flat().forEach((value, i) => expect(value).toBeCloseTo(expected.flat()[i], 5));
    output.dispose();
  });

  it('saves and loads back with its custom layers (registered for serialisation)', async () => {
    const model = buildModel({ ...tiny, inputSize: 32, numClasses: 2, distillationToken: true, dropout: 0 });
    const loaded = await saveAndLoad(model);
    const images = tf.randomUniform<tf.Rank.R4>([2, 32, 32, 3], -1, 1, 'float32', 5);
    const before = predictLogits(model, images);
    const after = predictLogits(loaded, images);
    expect(loaded.layers.map((layer) => layer.getClassName())).toContain('PrependTokens');
    expect(maxAbsDifference(before, after)).toBe(0);
    tf.dispose([images, before, after]);
    model.dispose();
    loaded.dispose();
  });

  it.each<[string, Partial<ViTSpec>]>([
    ['input not divisible by the patch', { inputSize: 36 }],
    ['dim not divisible by the heads', { inputSize: 32, heads: 3 }],
  ])('rejects %s', (_, override) => {
    expect(() => buildModel({ ...tiny, numClasses: 2, ...override })).toThrow(/divisible/);
  });
});
