/**
 * @jest-environment <rootDir>/libs/vision/src/onnx/ort-realm.environment.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { onnx } from 'onnx-proto';

import { buildModel, type ModelSpec } from '../models';
import { useTestBackend } from '../models/zoo.testing';
import { NsfwjsMobileNetSource, transferBackbone } from '../pretrained';
import { calibrateRanges } from './activation.calibrate';
import { exportToOnnx, OnnxScorer, quantizeOnnx } from './index';
import { countOpTypes, decodeModel, graphOf } from './onnx-model.read';
import { TensorType } from './onnx-graph.builder';
import {
  confidentAgreement,
  fitBatchNormStatistics,
  optimizedOpTypes,
  realImages,
  relativeRmsError,
  topOneAgreement,
  trainClassifiers,
} from './onnx.testing';

const CLASSES = 6;
const labels = (count: number): number[] => Array.from({ length: count }, (_, index) => index % CLASSES);

async function logitsOf(
  bytes: Uint8Array,
  data: Float32Array,
  n: number,
  size: number,
): Promise<Float32Array> {
  const scorer = await OnnxScorer.create(bytes);
  try {
    return await scorer.run(data, n, size, size);
  } finally {
    await scorer.dispose();
  }
}

beforeAll(useTestBackend);

describe('quantizeOnnx', () => {
  it('trained MobileNetV2: runs as fused int8 kernels and keeps the confident fp32 decisions on real images', async () => {
    const size = 128;
    const model = buildModel({
      arch: 'mobilenetv2',
      alpha: 1.0,
      inputSize: size,
      numClasses: CLASSES,
      dropout: 0,
      seed: 6,
    });
    const source = await tfl.loadLayersModel(new NsfwjsMobileNetSource({ batchNorm: 'zoo' }));
    transferBackbone(source, model);
    source.dispose();
    const options = { dataset: 'magnetic-tile', normalization: 'unit' } as const;
    const train = await realImages(size, 36, { ...options, offset: 100 });
    trainClassifiers(model, train.tensor, labels(36), 100);
    const calibration = await realImages(size, 8, options);
    const held = await realImages(size, 48, { ...options, offset: 40 });
    // The logits graph: a GAP head's CAM output would add its own 1x1 QLinearConv to the counts below.
    const fp32 = exportToOnnx(model, { cam: false }).bytes;
    tf.dispose([train.tensor, calibration.tensor, held.tensor]);
    model.dispose();

    const int8 = await quantizeOnnx(fp32, [calibration.data]);
    const reference = await logitsOf(fp32, held.data, 48, size);
    const quantized = await logitsOf(int8, held.data, 48, size);

    const fused = await optimizedOpTypes(int8);
    expect(fused).toMatchObject({ QLinearConv: 52, QLinearAdd: 10, QLinearGlobalAveragePool: 1, QGemm: 1 });
    expect(fused.Conv ?? 0).toBe(0);
    expect(int8.length).toBeLessThan(0.35 * fp32.length);
    // Seeded, so deterministic. Over seeds 5-8: 0.71-0.77 of all images and 0.86-0.93 of the confident ones
    // agree (seed 6: 0.77 and 24 of 27); a broken quantiser agrees on about 1 in 6.
    const confident = confidentAgreement(reference, quantized, CLASSES, 1);
    expect(confident.count).toBeGreaterThanOrEqual(12);
    expect(confident.agreement).toBeGreaterThanOrEqual(0.85);
    expect(topOneAgreement(reference, quantized, CLASSES)).toBeGreaterThanOrEqual(0.7);
  });

  const small: [string, ModelSpec, Record<string, number>][] = [
    [
      'resnet18',
      { arch: 'resnet', depth: 18, width: 8, inputSize: 32, numClasses: CLASSES, dropout: 0 },
      { QLinearConv: 20, QLinearAdd: 8, QGemm: 1 },
    ],
    [
      'distilled vit',
      {
        arch: 'vit',
        patchSize: 8,
        dim: 32,
        depth: 2,
        heads: 2,
        mlpRatio: 2,
        inputSize: 32,
        numClasses: CLASSES,
        distillationToken: true,
        dropout: 0,
      },
      { QLinearConv: 1, QLinearMatMul: 8, QGemm: 2 },
    ],
  ];

  it.each(small)('%s: fuses into int8 kernels and its logits follow fp32', async (_, spec, expectedOps) => {
    const size = 32;
    const model = buildModel({ ...spec, seed: 6 });
    const train = await realImages(size, 24, { offset: 100 });
    fitBatchNormStatistics(model, train.tensor);
    trainClassifiers(model, train.tensor, labels(24), 100);
    const calibration = await realImages(size, 12);
    const held = await realImages(size, 36, { offset: 40 });
    // The logits graph: a GAP head's CAM output would add its own 1x1 QLinearConv to the counts below.
    const fp32 = exportToOnnx(model, { cam: false }).bytes;
    tf.dispose([train.tensor, calibration.tensor, held.tensor]);
    model.dispose();

    const int8 = await quantizeOnnx(fp32, [
      calibration.data.subarray(0, 6 * size * size * 3),
      calibration.data.subarray(6 * size * size * 3),
    ]);
    expect(await optimizedOpTypes(int8)).toMatchObject(expectedOps);
    const reference = await logitsOf(fp32, held.data, 36, size);
    const quantized = await logitsOf(int8, held.data, 36, size);
    // Random backbones amplify any perturbation (see the report), so the bounds are looser than for the trained
    // MobileNetV2; a wrong scale or zero point gives relative errors near or above 1. Seeded: over seeds 5-8 the
    // relative error was 0.53-0.85 (ResNet) and 0.38-0.57 (ViT), top-1 agreement 0.56-0.78; seed 6: 0.53 / 0.57
    // and 0.69 for both.
    expect(relativeRmsError(reference, quantized)).toBeLessThan(0.75);
    expect(topOneAgreement(reference, quantized, CLASSES)).toBeGreaterThanOrEqual(0.6);
  });

  it('absorbs Relu / Clip, stores int8 weights only and keeps the logits float', async () => {
    const model = buildModel({ arch: 'mobilenetv2', alpha: 0.35, inputSize: 32, numClasses: CLASSES });
    // The logits graph: a GAP head's CAM output would add its own 1x1 QLinearConv to the counts below.
    const fp32 = exportToOnnx(model, { cam: false }).bytes;
    model.dispose();
    const calibration = await realImages(32, 4);
    calibration.tensor.dispose();
    const int8 = await quantizeOnnx(fp32, [calibration.data]);

    const ops = countOpTypes(int8);
    expect(ops.Clip ?? 0).toBe(0);
    expect(ops.Conv).toBe(countOpTypes(fp32).Conv);
    // One QuantizeLinear per quantised activation; weights and biases only need DequantizeLinear.
    expect(ops.DequantizeLinear).toBe(ops.QuantizeLinear + ops.Conv + ops.Gemm + ops.Conv + ops.Gemm);
    const graph = graphOf(decodeModel(int8));
    const floatWeights = (graph.initializer ?? []).filter(
      (tensor) => tensor.dataType === TensorType.FLOAT && (tensor.dims ?? []).length > 1,
    );
    expect(floatWeights).toEqual([]);
    expect(graph.output?.[0].type?.tensorType?.elemType).toBe(TensorType.FLOAT);
    const read = new Set((graph.node ?? []).flatMap((node) => node.input ?? []));
    expect((graph.initializer ?? []).filter((tensor) => !read.has(tensor.name ?? ''))).toEqual([]);
  });

  it('percentile calibration clips the rare extremes that min/max keeps', async () => {
    const model = buildModel({ arch: 'resnet', depth: 10, width: 8, inputSize: 32, numClasses: CLASSES });
    const proto = decodeModel(exportToOnnx(model).bytes);
    model.dispose();
    const images = await realImages(32, 6);
    images.tensor.dispose();
    const names = (graphOf(proto).node ?? [])
      .filter((node) => node.opType === 'Conv')
      .map((node) => node.output?.[0] ?? '');
    const minmax = await calibrateRanges(proto, names, [images.data]);
    const percentile = await calibrateRanges(proto, names, [images.data], {
      method: 'percentile',
      percentile: 99,
    });
    for (const name of names) {
      const full = minmax.get(name) ?? { min: NaN, max: NaN };
      const clipped = percentile.get(name) ?? { min: NaN, max: NaN };
      expect(clipped.min).toBeGreaterThanOrEqual(full.min);
      expect(clipped.max).toBeLessThanOrEqual(full.max);
    }
    const narrower = names.filter(
      (name) => (percentile.get(name)?.max ?? 0) < 0.999 * (minmax.get(name)?.max ?? 0),
    );
    expect(narrower.length).toBeGreaterThan(names.length / 2);
  });

  it('refuses models it cannot quantise and calibration batches that are not whole images', async () => {
    const model = buildModel({ arch: 'resnet', depth: 10, width: 4, inputSize: 32, numClasses: CLASSES });
    const bytes = exportToOnnx(model).bytes;
    model.dispose();
    await expect(quantizeOnnx(bytes, [])).rejects.toThrow(/at least one batch/);
    await expect(quantizeOnnx(bytes, [new Float32Array(32 * 32 * 3 + 1)])).rejects.toThrow(/whole number/);
    const old = decodeModel(bytes);
    old.opsetImport = [{ domain: '', version: 11 }];
    await expect(
      quantizeOnnx(onnx.ModelProto.encode(old).finish(), [new Float32Array(32 * 32 * 3)]),
    ).rejects.toThrow(/opset >= 13/);
  });
});
