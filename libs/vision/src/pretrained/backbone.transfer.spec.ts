import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { FsObjectStore } from '@linescope/storage';
import { datasetFolder } from '../../../../test/support/datasets';

import { freezeUpTo, loadModelArtifact, modelVersionPrefix, saveModelArtifact } from '../artifacts';
import { buildModel, type ResNetSpec } from '../models';
import {
  BackboneTransferError,
  featureExtractor,
  featureLayerName,
  transferBackbone,
} from './backbone.transfer';
import {
  adamStep,
  changedWeights,
  firstPerClass,
  loadImages,
  maxAbsDifference,
  meanLoss,
  oneHot,
  predictTensor,
  snapshotWeights,
  useWasm,
} from './pretrained.testing';

const SIZE = 32;
const BATCH = 16;
const PRETRAIN_EPOCHS = 6;
const HEAD_STEPS = 10;
const backboneSpec = (numClasses: number): ResNetSpec => ({
  arch: 'resnet',
  depth: 10,
  width: 8,
  inputSize: SIZE,
  numClasses,
});

beforeAll(useWasm);

describe('featureLayerName', () => {
  it("names the zoo CNNs' global pooling layer", () => {
    const resnet = buildModel(backboneSpec(3));
    const mobilenet = buildModel({ arch: 'mobilenetv2', alpha: 0.35, inputSize: SIZE, numClasses: 3 });
    expect(featureLayerName(resnet)).toBe('avgpool');
    expect(featureLayerName(mobilenet)).toBe('global_average_pooling2d');
    expect(featureExtractor(resnet).outputs[0].shape).toEqual([null, 64]);
    resnet.dispose();
    mobilenet.dispose();
  });

  it('refuses a model without global pooling (the ViT reads a token instead)', () => {
    const vit = buildModel({
      arch: 'vit',
      patchSize: 8,
      dim: 16,
      depth: 1,
      heads: 2,
      inputSize: SIZE,
      numClasses: 2,
    });
    expect(() => featureLayerName(vit)).toThrow(/has no global pooling layer/);
    vit.dispose();
  });
});

describe('a backbone pretrained on NEU steel defects, fine-tuned for magnetic tiles', () => {
  let storeDir: string;
  let neu: { images: tf.Tensor4D; labels: tf.Tensor2D; classNames: string[] };
  let tiles: { images: tf.Tensor4D; labels: tf.Tensor2D };

  beforeAll(async () => {
    storeDir = await mkdtemp(path.join(os.tmpdir(), 'linescope-pretrain-'));
    const steel = datasetFolder('neu-cls');
    const steelSamples = firstPerClass(steel.samples, 8);
    neu = {
      images: await loadImages(
        steelSamples.map((sample) => sample.path),
        SIZE,
        'resnet',
      ),
      labels: oneHot(
        steelSamples.map((sample) => sample.label),
        steel.classNames.length,
      ),
      classNames: steel.classNames,
    };
    const tile = datasetFolder('magnetic-tile');
    const ok = tile.samples.filter((sample) => sample.className === 'ok').slice(0, 8);
    const defects = firstPerClass(
      tile.samples.filter((sample) => sample.className !== 'ok'),
      2,
    );
    const tileSamples = [...ok, ...defects];
    tiles = {
      images: await loadImages(
        tileSamples.map((sample) => sample.path),
        SIZE,
        'resnet',
      ),
      labels: oneHot(
        tileSamples.map((sample) => (sample.className === 'ok' ? 0 : 1)),
        2,
      ),
    };
  });

  afterAll(async () => {
    tf.dispose([neu.images, neu.labels, tiles.images, tiles.labels]);
    await rm(storeDir, { recursive: true, force: true });
  });

  it('pretrains, stores, reloads, transfers the backbone and trains only the new head', async () => {
    expect(neu.classNames).toHaveLength(6);
    expect(neu.images.shape).toEqual([48, SIZE, SIZE, 3]);

    // 1. Pretrain a small ResNet-10 on the 6 steel classes.
    const pretrained = buildModel(backboneSpec(6));
    const optimizer = tf.train.adam(3e-3);
    const epochLosses: number[] = [];
    for (let epoch = 0; epoch < PRETRAIN_EPOCHS; epoch++) {
      let total = 0;
      for (let start = 0; start < neu.images.shape[0]; start += BATCH) {
        const images = tf.slice(neu.images, start, BATCH);
        const labels = tf.slice(neu.labels, start, BATCH);
        total += adamStep(pretrained, optimizer, images, labels, true);
        tf.dispose([images, labels]);
      }
      epochLosses.push(total / Math.ceil(neu.images.shape[0] / BATCH));
    }
    optimizer.dispose();
    expect(epochLosses[PRETRAIN_EPOCHS - 1]).toBeLessThan(0.8 * epochLosses[0]);

    // 2. Store it as a model version in a real filesystem object store, and load it back.
    const store = new FsObjectStore(storeDir);
    await store.init();
    const prefix = modelVersionPrefix('neu-backbone-1');
    await saveModelArtifact(store, prefix, pretrained, {
      architecture: backboneSpec(6),
      inputSize: [SIZE, SIZE],
      preprocessing: { inputSize: [SIZE, SIZE], resize: 'squash', normalization: 'resnet' },
      classNames: neu.classNames,
      positiveClasses: neu.classNames,
      operatingPoint: { threshold: 0.5, uncertainBand: { low: 0.5, high: 0.5 } },
      trainingConfig: { epochs: PRETRAIN_EPOCHS, batch: BATCH, optimizer: 'adam', learningRate: 3e-3 },
      metrics: { trainLoss: epochLosses[PRETRAIN_EPOCHS - 1] },
    });
    const { model: reloaded, manifest } = await loadModelArtifact(store, prefix);
    expect(manifest.classNames).toEqual(neu.classNames);
    const [before, after] = [pretrained, reloaded].map((model) => predictTensor(model, neu.images));
    expect(maxAbsDifference(before, after)).toBeLessThan(1e-6);
    tf.dispose([before, after]);

    // 3. A fresh ok-vs-defect model takes the whole backbone; only its 2-class head stays as initialised.
    const tileModel = buildModel(backboneSpec(2));
    const report = transferBackbone(reloaded, tileModel);
    expect(report.skipped.map((skip) => [skip.layer, skip.reason])).toEqual([['fc', 'shape_mismatch']]);
    const weighted = tileModel.layers.filter((layer) => layer.weights.length > 0);
    expect(report.copied.map((copy) => copy.layer)).toEqual(
      weighted.map((layer) => layer.name).filter((name) => name !== 'fc'),
    );
    expect(report.copied.map((copy) => copy.layer)).toContain('layer4_0_bn2');
    const [sourceFeatures, targetFeatures] = [reloaded, tileModel].map((model) =>
      predictTensor(featureExtractor(model), tiles.images),
    );
    expect(maxAbsDifference(sourceFeatures, targetFeatures)).toBeLessThan(1e-6);
    tf.dispose([sourceFeatures, targetFeatures]);

    // 4. Freeze the backbone and fine-tune the head for a few steps.
    const summary = freezeUpTo(tileModel, featureLayerName(tileModel));
    expect(summary.trainable).toEqual(['dropout', 'fc']);
    const backboneLayers = tileModel.layers.filter((layer) => summary.frozen.includes(layer.name));
    const headLayers: tfl.layers.Layer[] = [tileModel.getLayer('fc')];
    const frozenBefore = snapshotWeights(backboneLayers);
    const headBefore = snapshotWeights(headLayers);
    const lossBefore = meanLoss(tileModel, tiles.images, tiles.labels);
    const headOptimizer = tf.train.adam(1e-2);
    for (let step = 0; step < HEAD_STEPS; step++) {
      adamStep(tileModel, headOptimizer, tiles.images, tiles.labels, false);
    }
    headOptimizer.dispose();
    const lossAfter = meanLoss(tileModel, tiles.images, tiles.labels);

    expect(frozenBefore.size).toBeGreaterThan(50);
    expect(changedWeights(backboneLayers, frozenBefore)).toEqual([]);
    expect(changedWeights(headLayers, headBefore)).toEqual(['fc/0', 'fc/1']);
    expect(lossAfter).toBeLessThan(lossBefore);

    pretrained.dispose();
    reloaded.dispose();
    tileModel.dispose();
  });

  it('refuses a source whose backbone does not fit the target', () => {
    const narrow = buildModel(backboneSpec(6));
    const wide = buildModel({ ...backboneSpec(2), width: 16 });
    expect(() => transferBackbone(narrow, wide)).toThrow(BackboneTransferError);
    expect(() => transferBackbone(narrow, wide)).toThrow(/conv1 \(shape_mismatch: source \[7,7,3,8\]/);
    narrow.dispose();
    wide.dispose();
  });
});
