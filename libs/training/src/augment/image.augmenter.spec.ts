import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import path from 'node:path';
import sharp from 'sharp';
import { ZodError } from 'zod';
import { createRng } from '../random/rng';
import { MAGNETIC_TILE } from '../testing/shared-datasets.testing';
import { parseAugmentOptions, type AugmentOptions } from './augment.options';
import { createAugmenter, drawCropBox } from './image.augmenter';

const EVERYTHING: AugmentOptions = {
  horizontalFlip: { p: 0.5 },
  verticalFlip: { p: 0.5 },
  rotate90: { p: 0.5 },
  rotation: { p: 0.8, maxDegrees: 15 },
  shift: { p: 0.8, maxFraction: 0.1 },
  resizedCrop: { p: 0.8, scale: [0.5, 1], ratio: [0.75, 1.33] },
  brightness: { p: 0.8, maxDelta: 0.1 },
  contrast: { p: 0.8, range: [0.8, 1.2] },
  noise: { p: 0.8, std: 0.02 },
};

/** A batch of real magnetic-tile images, shrunk to side x side, single channel, values in [0, 255]. */
async function realBatch(side: number): Promise<{ tensor: tf.Tensor4D; pixels: number[][] }> {
  const files = ['exp0_num_743.jpg', 'exp1_num_10181.jpg', 'exp1_num_10334.jpg'].map((f) =>
    path.join(MAGNETIC_TILE, 'ok', f),
  );
  const pixels = await Promise.all(
    files.map(async (f) => Array.from(await sharp(f).greyscale().resize(side, side).raw().toBuffer())),
  );
  return { tensor: tf.tensor4d(pixels.flat(), [pixels.length, side, side, 1]), pixels };
}

describe.each(['cpu', 'wasm'])('createAugmenter on %s', (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
  });

  it('does nothing by default but still returns a tensor the caller owns', async () => {
    const { tensor, pixels } = await realBatch(16);
    const out = createAugmenter({}, createRng(1))(tensor);
    expect(out).not.toBe(tensor);
    expect(Array.from(out.dataSync())).toEqual(pixels.flat());
    out.dispose();
    expect(tensor.isDisposed).toBe(false);
    tensor.dispose();
  });

  it('mirrors real images when horizontal flip is certain', async () => {
    const { tensor, pixels } = await realBatch(8);
    const out = createAugmenter({ horizontalFlip: { p: 1 } }, createRng(1))(tensor);
    const row0 = pixels[1].slice(0, 8);
    expect(Array.from(out.dataSync()).slice(64, 72)).toEqual([...row0].reverse());
    tf.dispose([tensor, out]);
  });

  it('leaks no tensor with every augmentation on', async () => {
    const { tensor } = await realBatch(24);
    const augment = createAugmenter(EVERYTHING, createRng(3));
    const before = tf.memory().numTensors;
    const out = augment(tensor);
    expect(tf.memory().numTensors).toBe(before + 1);
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tensor.dispose();
  });

  it('keeps shape and pixel range and changes the images with every augmentation on', async () => {
    const { tensor, pixels } = await realBatch(24);
    const out = createAugmenter(EVERYTHING, createRng(4))(tensor);
    expect(out.shape).toEqual(tensor.shape);
    const values = out.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(255);
    expect(Array.from(values)).not.toEqual(pixels.flat());
    tf.dispose([tensor, out]);
  });

  it('is reproducible from the seed and differs between seeds', async () => {
    const { tensor } = await realBatch(16);
    const run = (seed: number) => {
      const out = createAugmenter(EVERYTHING, createRng(seed))(tensor);
      const values = Array.from(out.dataSync());
      out.dispose();
      return values;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    tensor.dispose();
  });

  it('decides per image: about half of a batch is flipped at p = 0.5', () => {
    const row = [0, 1, 2, 3];
    const batch = tf.tensor4d(Array.from({ length: 64 }, () => row).flat(), [64, 1, 4, 1]);
    const out = createAugmenter({ horizontalFlip: { p: 0.5 } }, createRng(5))(batch);
    const values = Array.from(out.dataSync());
    const flipped = Array.from({ length: 64 }, (_, i) => values[i * 4] === 3).filter(Boolean).length;
    expect(flipped).toBeGreaterThan(20);
    expect(flipped).toBeLessThan(44);
    tf.dispose([batch, out]);
  });

  it('shifts brightness by at most maxDelta x pixelMax, per image', () => {
    const batch = tf.fill<tf.Rank.R4>([32, 4, 4, 1], 100);
    const out = createAugmenter({ brightness: { p: 1, maxDelta: 0.1 } }, createRng(6))(batch);
    const firstPixels = Array.from({ length: 32 }, (_, i) => out.dataSync()[i * 16]);
    expect(Math.min(...firstPixels)).toBeGreaterThanOrEqual(100 - 25.5);
    expect(Math.max(...firstPixels)).toBeLessThanOrEqual(100 + 25.5);
    expect(new Set(firstPixels.map((v) => Math.round(v))).size).toBeGreaterThan(10);
    tf.dispose([batch, out]);
  });

  it('works on [0, 1] images with pixelMax 1', () => {
    const batch = tf.fill<tf.Rank.R4>([4, 4, 4, 1], 0.95);
    const out = createAugmenter({ pixelMax: 1, brightness: { p: 1, maxDelta: 0.5 } }, createRng(2))(batch);
    expect(Math.max(...out.dataSync())).toBeLessThanOrEqual(1);
    tf.dispose([batch, out]);
  });

  it('refuses a quarter turn of non-square images', () => {
    const wide = tf.zeros<tf.Rank.R4>([1, 2, 3, 1]);
    expect(() => createAugmenter({ rotate90: { p: 1 } }, createRng(1))(wide)).toThrow(RangeError);
    wide.dispose();
  });
});

describe('createAugmenter across backends', () => {
  it('gives the same augmented batch on cpu and wasm for the same seed', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const { tensor } = await realBatch(20);
      const out = createAugmenter({ ...EVERYTHING, noise: undefined }, createRng(11))(tensor);
      const values = Array.from(out.dataSync());
      tf.dispose([tensor, out]);
      return values;
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    const maxDifference = Math.max(...cpu.map((v, i) => Math.abs(v - wasm[i])));
    expect(maxDifference).toBeLessThan(1e-2);
  });
});

describe('augment options', () => {
  it('accepts stored JSON and rejects bad values', () => {
    expect(parseAugmentOptions(JSON.parse(JSON.stringify(EVERYTHING)))).toEqual(EVERYTHING);
    expect(() => parseAugmentOptions({ horizontalFlip: { p: 1.5 } })).toThrow(ZodError);
    expect(() => parseAugmentOptions({ mixup: { p: 0.5 } })).toThrow(ZodError);
    expect(() => parseAugmentOptions({ resizedCrop: { p: 1, scale: [0.9, 0.5], ratio: [1, 1] } })).toThrow(
      ZodError,
    );
    expect(() => parseAugmentOptions({ fill: 'wrap' })).toThrow(ZodError);
  });
});

describe('drawCropBox', () => {
  it('draws boxes of the requested area and pixel aspect ratio inside the image', () => {
    const rng = createRng(9);
    for (let i = 0; i < 200; i++) {
      const [y1, x1, y2, x2] = drawCropBox({ scale: [0.3, 0.6], ratio: [0.5, 2] }, rng, 40, 80);
      expect(y1).toBeGreaterThanOrEqual(0);
      expect(x1).toBeGreaterThanOrEqual(0);
      expect(y2).toBeLessThanOrEqual(1 + 1e-12);
      expect(x2).toBeLessThanOrEqual(1 + 1e-12);
      const area = (y2 - y1) * (x2 - x1);
      expect(area).toBeGreaterThanOrEqual(0.3 - 1e-9);
      expect(area).toBeLessThanOrEqual(0.6 + 1e-9);
      const pixelRatio = ((x2 - x1) * 80) / ((y2 - y1) * 40);
      expect(pixelRatio).toBeGreaterThanOrEqual(0.5 - 1e-9);
      expect(pixelRatio).toBeLessThanOrEqual(2 + 1e-9);
    }
  });

  it('is the whole image for scale 1 and the image ratio', () => {
    expect(drawCropBox({ scale: [1, 1], ratio: [1, 1] }, createRng(1), 10, 10)).toEqual([0, 0, 1, 1]);
  });

  it('falls back to the largest centred box of an allowed ratio', () => {
    // A 1:1 crop of a 2:1 image cannot cover the whole area: after 10 misses, the centred square.
    expect(drawCropBox({ scale: [1, 1], ratio: [1, 1] }, createRng(1), 10, 20)).toEqual([0, 0.25, 1, 0.75]);
  });
});
