/**
 * @jest-environment <rootDir>/libs/vision/src/onnx/ort-realm.environment.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { type onnx } from 'onnx-proto';

import { buildModel, type ModelSpec, predictLogits, preprocessingFamilyOf } from '../models';
import { useTestBackend } from '../models/zoo.testing';
import { NSFWJS_MOBILENET_INPUT_SIZE, NsfwjsMobileNetSource } from '../pretrained';
import { exportToOnnx, OnnxScorer, UnsupportedLayerError } from './index';
import { decodeModel, graphOf } from './onnx-model.read';
import { maxAbsDifference, randomizeConstantWeights, realImages, standardDeviation } from './onnx.testing';

const SIZE = 32;
const IMAGES = 6;
const CLASSES = 6;

const vit = (distillationToken: boolean): ModelSpec => ({
  arch: 'vit',
  patchSize: 8,
  dim: 32,
  depth: 2,
  heads: 2,
  mlpRatio: 2,
  inputSize: SIZE,
  numClasses: CLASSES,
  distillationToken,
});

const architectures: [string, ModelSpec][] = [
  ...([0.35, 0.5, 0.75, 1.0] as const).map((alpha): [string, ModelSpec] => [
    `mobilenetv2 alpha ${alpha}`,
    { arch: 'mobilenetv2', alpha, inputSize: SIZE, numClasses: CLASSES },
  ]),
  ...([10, 18, 34, 50] as const).flatMap((depth): [string, ModelSpec][] =>
    [true, false].map((residual): [string, ModelSpec] => [
      `${residual ? 'resnet' : 'plain resnet'}${depth}`,
      { arch: 'resnet', depth, residual, width: depth === 50 ? 4 : 8, inputSize: SIZE, numClasses: CLASSES },
    ]),
  ),
  [
    'resnet10 with global max pooling',
    { arch: 'resnet', depth: 10, width: 8, pooling: 'max', inputSize: SIZE, numClasses: CLASSES },
  ],
  ['vit with a class token', vit(false)],
  ['deit with a distillation token', vit(true)],
];

beforeAll(useTestBackend);

/**
 * Random batch-norm statistics through 50 layers can blow logits up to a spread of 16 or more, where float32
 * rounding alone exceeds 1e-4. Trained classifiers answer with logits of a few units: scale the output heads so the
 * logits spread about 2, which keeps an absolute 1e-4 meaningful.
 */
function tameLogits(model: tfl.LayersModel, images: tf.Tensor4D): void {
  const spread = standardDeviation(tf.tidy(() => predictLogits(model, images).dataSync() as Float32Array));
  if (spread <= 4) return;
  for (const layer of model.outputLayers) {
    const scaled = tf.tidy(() => layer.getWeights().map((weight) => tf.mul(weight, 2 / spread)));
    layer.setWeights(scaled);
    tf.dispose(scaled);
  }
}

describe('exportToOnnx', () => {
  it.each(architectures)(
    '%s: ONNX Runtime logits equal predictLogits within 1e-4 on real images',
    async (_, spec) => {
      const model = buildModel(spec);
      randomizeConstantWeights(model, 17);
      const images = await realImages(SIZE, IMAGES, { normalization: preprocessingFamilyOf(spec.arch) });
      tameLogits(model, images.tensor);
      const expected = tf.tidy(() => predictLogits(model, images.tensor).dataSync() as Float32Array);

      const exported = exportToOnnx(model);
      const scorer = await OnnxScorer.create(exported.bytes, { threads: 1, optimizationLevel: 'all' });
      const actual = await scorer.run(images.data, IMAGES, SIZE, SIZE);
      await scorer.dispose();

      expect(actual.length).toBe(IMAGES * CLASSES);
      // Logits that vary: equality of near-constant outputs would prove nothing.
      expect(standardDeviation(expected)).toBeGreaterThan(0.05);
      const difference = maxAbsDifference(actual, expected);
      expect(difference).toBeLessThan(1e-4);
      expect(exported.summary.numClasses).toBe(CLASSES);
      images.tensor.dispose();
      model.dispose();
    },
  );
});

describe('exportToOnnx on a foreign Keras model', () => {
  it("nsfwjs' Keras MobileNetV2 (zero padding, Keras batch norm, average pooling, flatten, dense relu / softmax)", async () => {
    const model = await tfl.loadLayersModel(new NsfwjsMobileNetSource({ batchNorm: 'keras' }));
    const size = NSFWJS_MOBILENET_INPUT_SIZE;
    const images = await realImages(size, 2, { dataset: 'magnetic-tile', normalization: 'unit' });
    const expected = tf.tidy(() => (model.predict(images.tensor) as tf.Tensor).dataSync() as Float32Array);
    const exported = exportToOnnx(model, { outputName: 'probabilities' });
    const scorer = await OnnxScorer.create(exported.bytes);
    const actual = await scorer.run(images.data, 2, size, size);
    await scorer.dispose();

    expect(exported.summary.opCounts).toMatchObject({ Pad: 5, AveragePool: 1, Softmax: 1 });
    expect(exported.summary.foldedBatchNorms).toBe(52);
    expect(scorer.output.name).toBe('probabilities');
    expect(maxAbsDifference(actual, expected)).toBeLessThan(1e-4);
    images.tensor.dispose();
    model.dispose();
  });
});

describe('exportToOnnx graph shape', () => {
  it('folds every batch norm, transposes the NHWC input once and declares a dynamic batch', () => {
    const model = buildModel({
      arch: 'mobilenetv2',
      alpha: 0.35,
      inputSize: SIZE,
      numClasses: CLASSES,
      dropout: 0.2,
    });
    const batchNorms = model.layers.filter((layer) => layer.getClassName() === 'FastBatchNorm').length;
    const { bytes, summary, inputName, outputName, opset } = exportToOnnx(model);
    const graph = graphOf(decodeModel(bytes));
    const dims = (value: onnx.IValueInfoProto | undefined): (string | number)[] =>
      (value?.type?.tensorType?.shape?.dim ?? []).map((dim) => dim.dimParam || Number(dim.dimValue));

    expect([inputName, outputName, opset]).toEqual(['input', 'logits', 13]);
    expect(summary.foldedBatchNorms).toBe(batchNorms);
    expect(summary.skippedLayers).toBe(1);
    // The NHWC input once, and the CAM's class planes (a GAP head) once.
    expect(summary.opCounts.Transpose).toBe(2);
    expect(summary.opCounts.BatchNormalization ?? 0).toBe(0);
    expect(dims(graph.input?.[0])).toEqual(['batch', SIZE, SIZE, 3]);
    expect(dims(graph.output?.[0])).toEqual(['batch', CLASSES]);
    expect(dims(graph.output?.[1])).toEqual(['batch', ...(summary.camSize ?? []), CLASSES]);
    model.dispose();
  });

  it('names the layer it cannot export', () => {
    const input = tfl.input({ shape: [8, 8, 3] });
    const upsampled = tfl.layers
      .upSampling2d({ size: [2, 2], name: 'upsample' })
      .apply(input) as tfl.SymbolicTensor;
    const pooled = tfl.layers.globalAveragePooling2d({}).apply(upsampled) as tfl.SymbolicTensor;
    const model = tfl.model({
      inputs: input,
      outputs: tfl.layers.dense({ units: 2 }).apply(pooled) as tfl.SymbolicTensor,
    });
    expect(() => exportToOnnx(model)).toThrow(UnsupportedLayerError);
    expect(() => exportToOnnx(model)).toThrow(/upsample \(UpSampling2D\)/);
    model.dispose();
  });
});
