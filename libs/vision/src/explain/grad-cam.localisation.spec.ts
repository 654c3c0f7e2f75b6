import * as tf from '@tensorflow/tfjs-core';

import { squareImages, tinyCnn, train, useWasmBackend } from './explain.testing';
import { heatmapOf } from './explanation.types';
import { gradCam } from './grad-cam.explainer';
import { heatmapPeak } from './heatmap.geometry';

beforeAll(useWasmBackend);

const SIZE = 32;
const SQUARE = 8;

describe('Grad-CAM on a case where the answer is known', () => {
  it('peaks inside the bright square that decides the class', () => {
    const model = tinyCnn(SIZE, 2);
    const training = squareImages(64, SIZE, SQUARE, 11);
    const finalLoss = train(model, training.images, training.labels, 60, 1e-2);
    expect(finalLoss).toBeLessThan(0.1);

    const test = squareImages(40, SIZE, SQUARE, 12);
    const explanation = gradCam(model, test.images, 1);
    expect(explanation.layerName).toBe('conv3');
    const geometry = {
      inputSize: [SIZE, SIZE] as const,
      resize: 'squash' as const,
      sourceWidth: SIZE,
      sourceHeight: SIZE,
    };

    let positives = 0;
    let inside = 0;
    test.squares.forEach((square, image) => {
      if (square === null) return;
      positives++;
      const peak = heatmapPeak(heatmapOf(explanation, image), geometry);
      const hit =
        peak.x >= square.x && peak.x < square.x + SQUARE && peak.y >= square.y && peak.y < square.y + SQUARE;
      if (hit) inside++;
    });
    expect(positives).toBe(20);
    // A 8x8 square covers 1/16 of the image: chance would put the peak inside about 1 time in 16.
    expect(inside / positives).toBeGreaterThanOrEqual(0.8);
    tf.dispose([training.images, test.images]);
    model.dispose();
  });
});
