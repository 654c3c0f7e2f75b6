import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { buildModel, predictLogits } from '../models';
import { ExplainError } from './explain.error';
import { useWasmBackend } from './explain.testing';
import { gradCam } from './grad-cam.explainer';
import { gradientTimesInput } from './gradient-input.explainer';
import { explainPrediction } from './prediction.explain';

beforeAll(useWasmBackend);

const SIZE = 64;
const CLASSES = 3;

function resnet10(): tfl.LayersModel {
  return buildModel({
    arch: 'resnet',
    depth: 10,
    width: 8,
    inputSize: SIZE,
    numClasses: CLASSES,
    dropout: 0,
  });
}

function images(batch: number, seed: number, size = SIZE): tf.Tensor4D {
  return tf.randomNormal<tf.Rank.R4>([batch, size, size, 3], 0, 1, 'float32', seed);
}

function apply(model: tfl.LayersModel, layerName: string, inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return model.getLayer(layerName).apply(inputs, { training: false }) as tf.Tensor;
}

function outputOf(model: tfl.LayersModel, layerName: string, input: tf.Tensor4D): tf.Tensor4D {
  const probe = tfl.model({
    inputs: model.inputs,
    outputs: model.getLayer(layerName).output,
  });
  return probe.predict(input) as tf.Tensor4D;
}

/** Grad-CAM written out by hand from its definition (a constant map is all zeros), for reference. */
function referenceCam(features: tf.Tensor4D, gradients: tf.Tensor4D): Float32Array {
  return tf.tidy(() => {
    const cam = tf.relu(tf.sum(tf.mul(features, tf.mean(gradients, [1, 2], true)), 3));
    const min = tf.min(cam);
    const range = tf.sub(tf.max(cam), min);
    const scaled = range.dataSync()[0] > 0 ? tf.div(tf.sub(cam, min), range) : tf.zerosLike(cam);
    return scaled.dataSync() as Float32Array;
  });
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  return a.reduce((worst, value, index) => Math.max(worst, Math.abs(value - b[index])), 0);
}

describe('gradCam', () => {
  it('targets the feature map the global pooling reads, by default', () => {
    const resnet = resnet10();
    const mobilenet = buildModel({
      arch: 'mobilenetv2',
      alpha: 0.35,
      inputSize: SIZE,
      numClasses: 2,
      dropout: 0,
    });
    const input = images(1, 1);
    const resnetCam = gradCam(resnet, input, 0);
    const mobilenetCam = gradCam(mobilenet, input, 1);
    expect([resnetCam.layerName, resnetCam.height, resnetCam.width]).toEqual(['layer4_0_relu', 2, 2]);
    expect([mobilenetCam.layerName, mobilenetCam.height, mobilenetCam.width]).toEqual(['out_relu', 2, 2]);
    expect(resnetCam.method).toBe('grad-cam');
    tf.dispose(input);
    resnet.dispose();
    mobilenet.dispose();
  });

  it('equals the class activation map W_c . A when the head is pooling + dense (Zhou et al.)', () => {
    const model = buildModel({
      arch: 'resnet',
      depth: 10,
      width: 8,
      inputSize: 128,
      numClasses: CLASSES,
      dropout: 0,
    });
    const input = images(2, 2, 128);
    const features = outputOf(model, 'layer4_0_relu', input);
    const kernel = model.getLayer('fc').getWeights()[0];
    let mapsWithEvidence = 0;
    for (const classIndex of [0, 1, 2]) {
      const explanation = gradCam(model, input, classIndex);
      mapsWithEvidence += explanation.maps.filter((map) => Math.max(...map) === 1).length;
      const classWeights = tf.tidy(() =>
        tf.reshape(tf.slice(kernel, [0, classIndex], [-1, 1]), [1, 1, 1, -1]),
      );
      for (const image of [0, 1]) {
        const one = tf.slice(features, [image, 0, 0, 0], [1, -1, -1, -1]);
        const expected = referenceCam(one, tf.broadcastTo<tf.Rank.R4>(classWeights, one.shape));
        expect(maxDifference(explanation.maps[image], expected)).toBeLessThan(1e-4);
        tf.dispose(one);
      }
      classWeights.dispose();
    }
    expect(mapsWithEvidence).toBeGreaterThan(0);
    tf.dispose([input, features]);
    model.dispose();
  });

  it('follows both the main and the skip path when the target feeds a residual block', () => {
    const model = resnet10();
    const input = images(1, 3);
    const features = outputOf(model, 'layer3_0_relu', input);

    // The rest of the network after layer3, written out layer by layer.
    const classLogit = (a: tf.Tensor, classIndex: number): tf.Tensor => {
      let x = apply(model, 'layer4_0_conv1', a);
      x = apply(model, 'layer4_0_relu1', apply(model, 'layer4_0_bn1', x));
      x = apply(model, 'layer4_0_bn2', apply(model, 'layer4_0_conv2', x));
      const skip = apply(model, 'layer4_0_downsample_1', apply(model, 'layer4_0_downsample_0', a));
      x = apply(model, 'layer4_0_relu', apply(model, 'layer4_0_add', [skip, x]));
      return tf.slice(apply(model, 'fc', apply(model, 'avgpool', x)), [0, classIndex], [-1, 1]);
    };
    let mapsWithEvidence = 0;
    for (let classIndex = 0; classIndex < CLASSES; classIndex++) {
      const explanation = gradCam(model, input, classIndex, { layerName: 'layer3_0_relu' });
      const gradients = tf.grad((a: tf.Tensor) => tf.sum(classLogit(a, classIndex)))(features) as tf.Tensor4D;
      expect([explanation.height, explanation.width]).toEqual([4, 4]);
      expect(maxDifference(explanation.maps[0], referenceCam(features, gradients))).toBeLessThan(1e-4);
      if (Math.max(...explanation.maps[0]) === 1) mapsWithEvidence++;
      gradients.dispose();
    }
    // Untrained weights: a class may have no positive evidence, but not all of them.
    expect(mapsWithEvidence).toBeGreaterThan(0);
    tf.dispose([input, features]);
    model.dispose();
  });

  it('returns the model logits even when split inside a residual block', () => {
    const model = resnet10();
    const input = images(3, 4);
    const expected = predictLogits(model, input);
    const explanation = gradCam(model, input, 'predicted', { layerName: 'layer3_0_conv1' });
    const want = expected.arraySync();
    explanation.logits.forEach((row, image) =>
      row.forEach((value, c) => expect(value).toBeCloseTo(want[image][c], 4)),
    );
    expect(explanation.classIndices).toEqual(want.map((row) => row.indexOf(Math.max(...row))));
    tf.dispose([input, expected]);
    model.dispose();
  });

  it('explains every image of a batch as if it were alone', () => {
    const model = resnet10();
    const batch = images(3, 5);
    const together = gradCam(model, batch, [0, 2, 1], { layerName: 'layer3_0_relu' });
    [0, 2, 1].forEach((classIndex, image) => {
      const single = tf.slice(batch, [image, 0, 0, 0], [1, -1, -1, -1]);
      const alone = gradCam(model, single, classIndex, { layerName: 'layer3_0_relu' });
      expect(maxDifference(together.maps[image], alone.maps[0])).toBeLessThan(1e-4);
      single.dispose();
    });
    expect(together.maps).toHaveLength(3);
    expect(together.classIndices).toEqual([0, 2, 1]);
    batch.dispose();
    model.dispose();
  });

  it('keeps no tensor', () => {
    const model = resnet10();
    const input = images(2, 6);
    const before = tf.memory().numTensors;
    for (let round = 0; round < 3; round++) {
      gradCam(model, input, 'predicted');
      gradCam(model, input, [1, 2], { layerName: 'layer2_0_add' });
      gradientTimesInput(model, input, 0);
    }
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
    model.dispose();
  });

  it('rejects what it cannot explain with a typed error', () => {
    const model = resnet10();
    const input = images(2, 7);
    const wrongSize = images(1, 7, 32);
    const codeOf = (run: () => unknown): string | undefined => {
      try {
        run();
        return undefined;
      } catch (error) {
        return error instanceof ExplainError ? error.code : `untyped: ${String(error)}`;
      }
    };
    expect(codeOf(() => gradCam(model, input, 3))).toBe('invalid_class_index');
    expect(codeOf(() => gradCam(model, input, [0]))).toBe('invalid_class_index');
    expect(codeOf(() => gradCam(model, wrongSize, 0))).toBe('invalid_input');
    expect(codeOf(() => gradCam(model, input, 0, { layerName: 'nope' }))).toBe('unknown_layer');
    expect(codeOf(() => gradCam(model, input, 0, { layerName: 'fc' }))).toBe('unusable_layer');
    tf.dispose([input, wrongSize]);
    model.dispose();
  });
});

describe('the ViT', () => {
  const deit = (): tfl.LayersModel =>
    buildModel({
      arch: 'vit',
      patchSize: 8,
      dim: 16,
      depth: 1,
      heads: 2,
      mlpRatio: 2,
      inputSize: 32,
      numClasses: 2,
      distillationToken: true,
      dropout: 0,
    });

  it('is CNN-only for Grad-CAM, with a typed error', () => {
    const model = deit();
    const input = images(1, 8, 32);
    expect(() => gradCam(model, input, 0)).toThrow(expect.objectContaining({ code: 'cnn_only' }) as Error);
    input.dispose();
    model.dispose();
  });

  it('is explained by gradient x input at the input resolution, from the averaged heads', () => {
    const model = deit();
    const input = images(2, 9, 32);
    const before = tf.memory().numTensors;
    const explanation = explainPrediction(model, input, 'predicted');
    expect(tf.memory().numTensors).toBe(before);
    const expectedLogits = predictLogits(model, input);
    expect(explanation.method).toBe('gradient-x-input');
    expect([explanation.layerName, explanation.height, explanation.width]).toEqual(['input', 32, 32]);
    for (const map of explanation.maps) {
      expect(Math.max(...map)).toBeCloseTo(1, 5);
      expect(Math.min(...map)).toBeGreaterThanOrEqual(0);
    }
    expectedLogits
      .arraySync()
      .forEach((row, image) =>
        row.forEach((value, c) => expect(explanation.logits[image][c]).toBeCloseTo(value, 4)),
      );
    tf.dispose([input, expectedLogits]);
    model.dispose();
  });
});
