/**
 * @jest-environment <rootDir>/libs/vision/src/onnx/ort-realm.environment.ts
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';

import { buildModel, predictLogits } from '../models';
import { useTestBackend } from '../models/zoo.testing';
import { exportToOnnx, OnnxScorer } from './index';
import { maxAbsDifference, randomizeConstantWeights, realImages, REPO_ROOT } from './onnx.testing';

const SIZE = 32;
const CLASSES = 4;
const run = promisify(execFile);

let bytes: Uint8Array;
let expected: Float32Array;
let images: Float32Array;

beforeAll(async () => {
  await useTestBackend();
  const model = buildModel({ arch: 'mobilenetv2', alpha: 0.35, inputSize: SIZE, numClasses: CLASSES });
  randomizeConstantWeights(model, 5);
  const batch = await realImages(SIZE, 5, { dataset: 'magnetic-tile' });
  expected = tf.tidy(() => predictLogits(model, batch.tensor).dataSync() as Float32Array);
  images = batch.data;
  bytes = exportToOnnx(model).bytes;
  batch.tensor.dispose();
  model.dispose();
});

describe('OnnxScorer', () => {
  it('scores batches of 1 and 5 with the same exported file (dynamic batch)', async () => {
    const scorer = await OnnxScorer.create(bytes);
    expect(scorer.input.shape).toEqual(['batch', SIZE, SIZE, 3]);
    expect(scorer.numClasses).toBe(CLASSES);
    const imageSize = SIZE * SIZE * 3;
    const single = await scorer.run(images.subarray(imageSize * 2, imageSize * 3), 1, SIZE, SIZE);
    const five = await scorer.run(images, 5, SIZE, SIZE);
    await scorer.dispose();
    expect(single.length).toBe(CLASSES);
    expect(five.length).toBe(5 * CLASSES);
    expect(maxAbsDifference(five, expected)).toBeLessThan(1e-4);
    expect(maxAbsDifference(single, expected.subarray(2 * CLASSES, 3 * CLASSES))).toBeLessThan(1e-4);
  });

  it('answers overlapping run calls on one session correctly, on 2 threads and at every optimisation level', async () => {
    for (const optimizationLevel of ['disabled', 'extended', 'all'] as const) {
      const scorer = await OnnxScorer.create(bytes, { threads: 2, optimizationLevel });
      const results = await Promise.all([0, 1, 2, 3].map(() => scorer.run(images, 5, SIZE, SIZE)));
      await scorer.dispose();
      for (const logits of results) expect(maxAbsDifference(logits, expected)).toBeLessThan(1e-4);
    }
  });

  it('rejects a batch of the wrong length, bad thread counts, and use after dispose', async () => {
    await expect(OnnxScorer.create(bytes, { threads: 0 })).rejects.toThrow(RangeError);
    const scorer = await OnnxScorer.create(bytes);
    await expect(scorer.run(images, 4, SIZE, SIZE)).rejects.toThrow(/has 12288 values/);
    await scorer.dispose();
    await expect(scorer.run(images, 5, SIZE, SIZE)).rejects.toThrow(/disposed/);
  });

  it('loads in a fresh Node process and scores the same real images', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'linescope-onnx-'));
    try {
      const modelFile = path.join(folder, 'model.onnx');
      const imageFile = path.join(folder, 'images.f32');
      await writeFile(modelFile, bytes);
      await writeFile(imageFile, Buffer.from(images.buffer, images.byteOffset, images.byteLength));
      const script = `
        const fs = require('node:fs');
        const ort = require('onnxruntime-node');
        (async () => {
          const session = await ort.InferenceSession.create(process.argv[1], { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
          const raw = fs.readFileSync(process.argv[2]);
          const data = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
          const input = new ort.Tensor('float32', data, [5, ${SIZE}, ${SIZE}, 3]);
          const output = await session.run({ [session.inputNames[0]]: input });
          process.stdout.write(JSON.stringify(Array.from(output[session.outputNames[0]].data)));
        })().catch((error) => { console.error(error); process.exit(1); });
      `;
      const { stdout } = await run(process.execPath, ['-e', script, modelFile, imageFile], {
        cwd: REPO_ROOT,
        timeout: 30_000,
      });
      const logits = Float32Array.from(JSON.parse(stdout) as number[]);
      expect(logits.length).toBe(5 * CLASSES);
      expect(maxAbsDifference(logits, expected)).toBeLessThan(1e-4);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
