import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { importPretrainedBackbone } from '@linescope/vision/artifacts';
import { initBackend } from '@linescope/vision/backend';
import { FastBatchNorm } from '@linescope/vision/layers';
import { exportNsfwjsMobileNet } from '@linescope/vision/pretrained';
import { MAGNETIC_TILE } from '../testing/shared-datasets.testing';
import { type TrainingConfigInput } from './training.config';
import { train } from './training.engine';

let folder: string;
let pretrained: tfl.LayersModel;

beforeAll(async () => {
  await initBackend({ preferred: 'wasm', logger: () => undefined });
  folder = await mkdtemp(path.join(tmpdir(), 'linescope-nsfwjs-export-'));
  await exportNsfwjsMobileNet(folder);
  pretrained = await importPretrainedBackbone(folder, { strict: false });
});

afterAll(async () => {
  pretrained.dispose();
  await rm(folder, { recursive: true, force: true });
});

function weightsOf(model: tfl.LayersModel, layerName: string): Float32Array[] {
  return model
    .getLayer(layerName)
    .getWeights()
    .map((weight) => Float32Array.from(weight.dataSync()));
}

/** Two epochs of a 2-class head on 24 tiles; pretrained weights do not depend on the input size: 32 px. */
function tinyFineTune(fineTune: {
  freezeUpTo: string;
  freezeBatchNorms?: boolean;
  batchNormMomentum?: number;
  recalibrateBatchNorms?: boolean;
}): TrainingConfigInput {
  return {
    seed: 3,
    data: { source: { kind: 'folder', path: MAGNETIC_TILE }, task: 'ok-vs-defect', limitPerClass: 4 },
    model: { arch: 'mobilenetv2', alpha: 1, inputSize: 32 },
    batchSize: 8,
    epochs: 2,
    schedule: { kind: 'constant', lr: 1e-2 },
    earlyStopping: { enabled: false },
    checklist: {
      initialLoss: { enabled: false },
      overfit: { enabled: false },
      lrRange: { enabled: false },
      curves: { enabled: false },
    },
    fineTune: { pretrained: { kind: 'folder', path: folder }, ...fineTune },
  };
}

/** Exact equality, without Jest's slow deep comparison of millions of floats. */
function sameValues(a: Float32Array[], b: Float32Array[]): boolean {
  return a.length === b.length && a.every((values, i) => values.every((value, j) => value === b[i][j]));
}

describe('fine-tuning from the exported nsfwjs MobileNetV2', () => {
  it('copies the pretrained backbone, keeps it frozen (batch-norm statistics included) and trains the head', async () => {
    const lines: string[] = [];
    const result = await train(tinyFineTune({ freezeUpTo: 'global_average_pooling2d' }), {
      hooks: { onLog: (line) => lines.push(line) },
    });
    const { model } = result;
    try {
      expect(result.config.preprocess.normalization).toBe('mobilenet');
      // 52 convolutions and their 52 batch norms; the 2-class head is not in the source.
      expect(lines).toContain(`fine-tuning: copied 104 layers from ${folder}, kept 1 as initialised`);
      expect(
        lines.some((line) => /^fine-tuning: froze \d+ layers up to global_average_pooling2d$/.test(line)),
      ).toBe(true);
      expect(model.trainableWeights.map((weight) => weight.originalName)).toEqual([
        'predictions/kernel',
        'predictions/bias',
      ]);

      // Every backbone weight, moving statistics included, is still exactly the pretrained one after training.
      const backbone = model.layers.filter(
        (layer) => layer.weights.length > 0 && layer.name !== 'predictions',
      );
      expect(backbone).toHaveLength(104);
      const changed = backbone
        .map((layer) => layer.name)
        .filter((name) => !sameValues(weightsOf(model, name), weightsOf(pretrained, name)));
      expect(changed).toEqual([]);
      // The head started at zero bias (headInitScale) and has moved.
      const [, bias] = weightsOf(model, 'predictions');
      expect(Math.max(...Array.from(bias, Math.abs))).toBeGreaterThan(1e-4);
      expect(result.history).toHaveLength(2);
    } finally {
      model.dispose();
    }
  });

  it('with freezeBatchNorms, trains the unfrozen convolutions but leaves every batch norm as pretrained', async () => {
    const lines: string[] = [];
    const { model } = await train(tinyFineTune({ freezeUpTo: 'block_15_add', freezeBatchNorms: true }), {
      hooks: { onLog: (line) => lines.push(line) },
    });
    try {
      expect(lines).toContain('fine-tuning: froze all 52 batch norms');
      expect(model.trainableWeights.map((weight) => weight.originalName)).toEqual([
        'block_16_expand/kernel',
        'block_16_depthwise/depthwise_kernel',
        'block_16_project/kernel',
        'Conv_1/kernel',
        'predictions/kernel',
        'predictions/bias',
      ]);
      const changed = model.layers
        .filter((layer) => layer.weights.length > 0 && layer.name !== 'predictions')
        .map((layer) => layer.name)
        .filter((name) => !sameValues(weightsOf(model, name), weightsOf(pretrained, name)));
      expect(changed).toEqual(['block_16_expand', 'block_16_depthwise', 'block_16_project', 'Conv_1']);
    } finally {
      model.dispose();
    }
  });

  it('with batchNormMomentum, moves the moving statistics of the trainable batch norms only, at that momentum', async () => {
    const lines: string[] = [];
    const { model } = await train(tinyFineTune({ freezeUpTo: 'block_15_add', batchNormMomentum: 0.5 }), {
      hooks: { onLog: (line) => lines.push(line) },
    });
    try {
      expect(lines).toContain('fine-tuning: moving-average momentum 0.5 for the 4 trainable batch norms');
      const norms = model.layers.filter((layer): layer is FastBatchNorm => layer instanceof FastBatchNorm);
      const momentumOf = (name: string) => norms.find((layer) => layer.name === name)?.momentum;
      expect(momentumOf('block_16_project_BN')).toBe(0.5);
      expect(momentumOf('Conv_1_bn')).toBe(0.5);
      expect(momentumOf('block_15_project_BN')).toBe(0.999);
      const changed = norms
        .map((layer) => layer.name)
        .filter((name) => !sameValues(weightsOf(model, name), weightsOf(pretrained, name)));
      expect(changed).toEqual([
        'block_16_expand_BN',
        'block_16_depthwise_BN',
        'block_16_project_BN',
        'Conv_1_bn',
      ]);
      // Eight steps at momentum 0.5 leave under 1% of the pretrained moving variance.
      const [, , , variance] = weightsOf(model, 'Conv_1_bn');
      const [, , , pretrainedVariance] = weightsOf(pretrained, 'Conv_1_bn');
      expect(
        variance.some((value, i) => Math.abs(value - pretrainedVariance[i]) > 0.5 * pretrainedVariance[i]),
      ).toBe(true);
    } finally {
      model.dispose();
    }
  });

  it('with recalibrateBatchNorms, re-estimates the frozen moving statistics on the tiles and changes nothing else', async () => {
    const lines: string[] = [];
    const { model } = await train(
      tinyFineTune({ freezeUpTo: 'global_average_pooling2d', recalibrateBatchNorms: true }),
      { hooks: { onLog: (line) => lines.push(line) } },
    );
    try {
      expect(lines).toContain(
        'fine-tuning: re-estimated the moving statistics of 52 batch norms on 12 training images',
      );
      expect(model.trainableWeights.map((weight) => weight.originalName)).toEqual([
        'predictions/kernel',
        'predictions/bias',
      ]);
      const layers = model.layers.filter((layer) => layer.weights.length > 0 && layer.name !== 'predictions');
      const changed = (name: string, from: number, to: number) =>
        !sameValues(weightsOf(model, name).slice(from, to), weightsOf(pretrained, name).slice(from, to));
      const norms = layers.filter((layer) => layer instanceof FastBatchNorm).map((layer) => layer.name);
      expect(norms).toHaveLength(52);
      expect(norms.filter((name) => changed(name, 2, 4))).toEqual(norms);
      expect(norms.filter((name) => changed(name, 0, 2))).toEqual([]);
      expect(
        layers.filter((layer) => !(layer instanceof FastBatchNorm) && changed(layer.name, 0, 4)),
      ).toEqual([]);
      expect((model.getLayer('bn_Conv1') as FastBatchNorm).momentum).toBe(0.999);
    } finally {
      model.dispose();
    }
  });

  it('writes a folder whose model computes what the nsfwjs model computes', async () => {
    const { NsfwjsMobileNetSource } = await import('@linescope/vision/pretrained');
    const { loadLayersModel } = await import('@tensorflow/tfjs-layers');
    const direct = await loadLayersModel(new NsfwjsMobileNetSource());
    const images = tf.randomUniform([2, 224, 224, 3], 0, 1, 'float32', 5);
    const [a, b] = [direct, pretrained].map((model) => model.predict(images) as tf.Tensor);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    expect(direct.layers.map((layer) => layer.name)).toEqual(pretrained.layers.map((layer) => layer.name));
    tf.dispose([images, a, b]);
    direct.dispose();
  });
});
