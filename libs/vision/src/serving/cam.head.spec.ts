/**
 * @jest-environment <rootDir>/libs/vision/src/onnx/ort-realm.environment.ts
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { camHeatmap, gradCam, type ClassActivationMaps } from '../explain';
import { buildModel, type ModelSpec } from '../models';
import { useTestBackend } from '../models/zoo.testing';
import { exportToOnnx, OnnxScorer } from '../onnx';
import { maxAbsDifference, randomizeConstantWeights, realImages } from '../onnx/onnx.testing';
import { compileForServing } from './serving.compile';

const SIZE = 128;
const CLASSES = 3;
const IMAGES = 4;

beforeAll(useTestBackend);

const GAP_CNNS: Record<string, ModelSpec> = {
  'MobileNetV2 (with dropout)': {
    arch: 'mobilenetv2',
    alpha: 0.35,
    inputSize: SIZE,
    numClasses: CLASSES,
    dropout: 0.2,
  },
  'ResNet-10': { arch: 'resnet', depth: 10, width: 8, inputSize: SIZE, numClasses: CLASSES, dropout: 0 },
};

function gapModel(spec: ModelSpec): tfl.LayersModel {
  // Seeded: what random weights answer must not be a coin toss.
  const model = buildModel({ ...spec, seed: 7 });
  randomizeConstantWeights(model, 7);
  return model;
}

async function servedCam(model: tfl.LayersModel, images: tf.Tensor4D): Promise<ClassActivationMaps> {
  const serving = compileForServing(model);
  try {
    const { logits, cam } = serving.predictWithCam(images);
    logits.dispose();
    if (cam === null) throw new Error('no CAM output');
    const [, height, width, classes] = cam.shape;
    const values = (await cam.data()) as Float32Array;
    cam.dispose();
    return { values, height, width, classes };
  } finally {
    serving.dispose();
  }
}

describe('the class activation map output of GAP CNNs', () => {
  it.each(Object.entries(GAP_CNNS))(
    '%s: equals Grad-CAM after its ReLU and normalisation, for every class',
    async (_, spec) => {
      const model = gapModel(spec);
      const batch = await realImages(SIZE, IMAGES, { dataset: 'magnetic-tile' });
      const cams = await servedCam(model, batch.tensor);
      let informative = 0;
      for (let classIndex = 0; classIndex < CLASSES; classIndex++) {
        const reference = gradCam(model, batch.tensor, classIndex);
        expect([cams.height, cams.width]).toEqual([reference.height, reference.width]);
        for (let image = 0; image < IMAGES; image++) {
          const map = camHeatmap(cams, image, classIndex);
          expect(maxAbsDifference(map.values, reference.maps[image])).toBeLessThan(1e-4);
          if (Math.max(...map.values) === 1) informative++;
        }
      }
      // Not a vacuous all-zero agreement: most maps have positive evidence somewhere.
      expect(informative).toBeGreaterThan(CLASSES * IMAGES * 0.5);
      batch.tensor.dispose();
      model.dispose();
    },
  );

  it('ONNX Runtime computes the same maps as TensorFlow.js (cam output of the export)', async () => {
    const model = gapModel(GAP_CNNS['MobileNetV2 (with dropout)']);
    const batch = await realImages(SIZE, IMAGES, { dataset: 'magnetic-tile' });
    const expected = await servedCam(model, batch.tensor);
    const exported = exportToOnnx(model);
    expect(exported.camOutputName).toBe('cam');
    expect(exported.summary.camSize).toEqual([expected.height, expected.width]);
    const scorer = await OnnxScorer.create(exported.bytes);
    try {
      const scores = await scorer.runWithCam(batch.data, IMAGES, SIZE, SIZE);
      expect(scores.cam).not.toBeNull();
      const cam = scores.cam as ClassActivationMaps;
      expect([cam.height, cam.width, cam.classes]).toEqual([expected.height, expected.width, CLASSES]);
      const scale = Math.max(...expected.values.map(Math.abs));
      expect(maxAbsDifference(cam.values, expected.values) / scale).toBeLessThan(1e-4);
      for (let image = 0; image < IMAGES; image++) {
        expect(
          maxAbsDifference(camHeatmap(cam, image, 1).values, camHeatmap(expected, image, 1).values),
        ).toBeLessThan(1e-4);
      }
      // The plain run asks for the logits only, and they are the same.
      expect(maxAbsDifference(await scorer.run(batch.data, IMAGES, SIZE, SIZE), scores.logits)).toBe(0);
    } finally {
      await scorer.dispose();
      batch.tensor.dispose();
      model.dispose();
    }
  });

  it('is absent where the head is not GAP → dense: a max-pooled ResNet and the ViT', () => {
    const maxPooled = buildModel({ ...GAP_CNNS['ResNet-10'], pooling: 'max' } as ModelSpec);
    const vit = buildModel({
      arch: 'vit',
      inputSize: 32,
      numClasses: CLASSES,
      patchSize: 8,
      dim: 16,
      depth: 1,
      heads: 2,
    });
    for (const model of [maxPooled, vit]) {
      const serving = compileForServing(model);
      const size = model.inputs[0].shape[1] as number;
      const { logits, cam } = serving.predictWithCam(tf.zeros([1, size, size, 3]));
      expect([serving.hasCam, cam]).toEqual([false, null]);
      expect(exportToOnnx(model).camOutputName).toBeNull();
      logits.dispose();
      serving.dispose();
      model.dispose();
    }
  });
});
