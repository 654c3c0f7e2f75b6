import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs-core';

import {
  scanImageFolder,
  stratifiedSplit,
  type DatasetSplit,
  type Sample,
} from '../../libs/training/src/data';
import {
  decodeImage,
  normalizePixels,
  resizeRgb,
  type PreprocessSpec,
} from '../../libs/vision/src/preprocess';

export const OK_CLASS = 'ok';
export const SPLIT_FRACTIONS = { train: 0.7, validation: 0.1, test: 0.2 } as const;

/** The repository root: the nearest folder above `start` holding package.json (works from src and dist). */
export function findRepoRoot(start: string): string {
  let dir = path.resolve(start);
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export function isDefect(sample: Sample): boolean {
  return sample.className !== OK_CLASS;
}

/** Stratified by defect type, so every type is in the test split. */
export async function splitTiles(root: string, seed: number): Promise<DatasetSplit> {
  const folder = await scanImageFolder(root);
  if (!folder.classNames.includes(OK_CLASS)) throw new Error(`${root} has no "${OK_CLASS}" class folder`);
  return stratifiedSplit(folder.samples, { fractions: SPLIT_FRACTIONS, seed });
}

/** Decoded and resized RGB bytes of each image, the first two steps of `preprocess`, kept compact. */
export async function loadResized(samples: readonly Sample[], spec: PreprocessSpec): Promise<Uint8Array[]> {
  const pixels: Uint8Array[] = new Array<Uint8Array>(samples.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < samples.length) {
      const index = next++;
      const decoded = await decodeImage(await readFile(samples[index].path));
      pixels[index] = (await resizeRgb(decoded, spec.inputSize, spec.resize)).data;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return pixels;
}

/** A normalised NHWC batch of the chosen images: the last step of `preprocess`. */
export function batchTensor(
  pixels: readonly Uint8Array[],
  indices: readonly number[],
  spec: PreprocessSpec,
): tf.Tensor4D {
  const [height, width] = spec.inputSize;
  const imageSize = height * width * 3;
  const batch = new Float32Array(indices.length * imageSize);
  indices.forEach((index, position) => {
    normalizePixels(
      pixels[index],
      spec.normalization,
      batch.subarray(position * imageSize, (position + 1) * imageSize),
    );
  });
  return tf.tensor4d(batch, [indices.length, height, width, 3]);
}
