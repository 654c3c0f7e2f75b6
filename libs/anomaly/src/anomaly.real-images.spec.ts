import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@linescope/vision/backend';
import { preprocessBatch } from '@linescope/vision/preprocess';
import {
  NSFWJS_MOBILENET_INPUT_SIZE,
  NSFWJS_MOBILENET_NORMALIZATION,
  NsfwjsMobileNetSource,
} from '@linescope/vision/pretrained';
import { anomalyMaps } from './anomaly-map';
import { scoreAnomalies } from './anomaly.score';
import { fitPadim } from './padim';
import { PatchFeatureExtractor } from './patch-features';
import { fitPatchCore, type PatchCoreModel } from './patchcore';

const DATASETS = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'datasets');
const TILES = path.join(DATASETS, 'magnetic-tile');
const MASKS = path.join(DATASETS, 'magnetic-tile-masks');
const SIZE = NSFWJS_MOBILENET_INPUT_SIZE;
/** Two clear breaks; the first ones in file-name order whose masks cover more than a few pixels. */
const DEFECTS = ['exp1_num_194173', 'exp1_num_284482'];

const imagesOf = (className: string) =>
  readdirSync(path.join(TILES, className))
    .filter((file) => file.endsWith('.jpg'))
    .sort()
    .map((file) => path.join(TILES, className, file));

async function maskOf(stem: string): Promise<Buffer> {
  return sharp(path.join(MASKS, 'break', `${stem}.png`))
    .greyscale()
    .resize(SIZE, SIZE, { fit: 'fill' })
    .raw()
    .toBuffer();
}

/**
 * One-class models built from real good magnetic tiles only, on the ImageNet MobileNetV2 the nsfwjs package ships
 * (its backbone is ImageNet's; a devDependency, loaded from disk). Mid-level layers (28x28 and 14x14 grids) give
 * 128-value patch features.
 */
describe('anomaly detection on real magnetic tiles', () => {
  let extractor: PatchFeatureExtractor;
  let good: tf.Tensor4D;
  let heldOut: tf.Tensor4D;
  let defects: tf.Tensor4D;
  let patchCore: PatchCoreModel;

  const featuresOf = async (files: string[]) => {
    const bytes = await Promise.all(files.map((file) => readFile(file)));
    const images = await preprocessBatch(bytes, {
      inputSize: [SIZE, SIZE],
      resize: 'squash',
      normalization: NSFWJS_MOBILENET_NORMALIZATION,
    });
    const features = extractor.extract(images);
    images.dispose();
    return features;
  };

  beforeAll(async () => {
    await initBackend({ preferred: 'wasm', logger: () => undefined });
    const backbone = await tfl.loadLayersModel(new NsfwjsMobileNetSource());
    extractor = new PatchFeatureExtractor(backbone, ['block_5_add', 'block_12_add']);
    const ok = imagesOf('ok');
    good = await featuresOf(ok.slice(0, 24));
    heldOut = await featuresOf(ok.slice(100, 108));
    defects = await featuresOf(DEFECTS.map((stem) => path.join(TILES, 'break', `${stem}.jpg`)));
    patchCore = fitPatchCore(good, { coresetRatio: 0.05, projectionDimensions: 64 });
  }, 180_000);

  afterAll(() => [good, heldOut, defects].forEach((tensor) => tensor?.dispose()));

  it('concatenates the two layers onto the finer grid', () => {
    expect(extractor.grid).toEqual({ height: 28, width: 28, depth: 32 + 96 });
    expect(good.shape).toEqual([24, 28, 28, 128]);
  });

  it.each(['patchcore', 'padim'] as const)(
    '%s built from 24 good tiles scores a clear break above every one of 8 held-out good tiles',
    (method) => {
      const model = method === 'patchcore' ? patchCore : fitPadim(good, { dimensions: 64 });
      const okScores = scoreAnomalies(model, heldOut);
      const defectScores = scoreAnomalies(model, defects);
      expect(defectScores.images[0]).toBeGreaterThan(Math.max(...okScores.images));
      okScores.patches.dispose();
      defectScores.patches.dispose();
    },
  );

  it("puts the anomaly map's peak inside the defect mask of both breaks", async () => {
    const scores = scoreAnomalies(patchCore, defects);
    const maps = anomalyMaps(scores.patches, [SIZE, SIZE]);
    expect(maps.shape).toEqual([DEFECTS.length, SIZE, SIZE]);
    const peaks = tf.tidy(() => tf.argMax(tf.reshape(maps, [DEFECTS.length, -1]), 1).dataSync());
    for (const [index, stem] of DEFECTS.entries()) {
      const mask = await maskOf(stem);
      expect({ stem, insideMask: mask[peaks[index]] > 127 }).toEqual({ stem, insideMask: true });
    }
    scores.patches.dispose();
    maps.dispose();
  });
});
