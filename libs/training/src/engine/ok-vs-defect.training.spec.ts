import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { checkManifestInput } from '@linescope/vision/artifacts';
import { initBackend } from '@linescope/vision/backend';
import { scanImageFolder } from '../data/image-folder.scan';
import { MAGNETIC_TILE, SHARED_DATASETS } from '../testing/shared-datasets.testing';
import { train } from './training.engine';

beforeAll(() => initBackend({ preferred: 'wasm', logger: () => undefined }));

const MASKS = path.join(SHARED_DATASETS, 'magnetic-tile-masks');

/** Share of the image that the defect mask covers. */
async function defectArea(className: string, imagePath: string): Promise<number> {
  const mask = path.join(MASKS, className, path.basename(imagePath).replace(/\.jpg$/, '.png'));
  const { data } = await sharp(mask).greyscale().raw().toBuffer({ resolveWithObject: true });
  let covered = 0;
  for (const value of data) if (value > 127) covered++;
  return covered / data.length;
}

/**
 * The subset: every defect whose mask covers more than 1% of the image (170 images: break, crack, fray, uneven;
 * the blowholes and most cracks are a few pixels wide and vanish at 64 px), and as many ok images. Measured on
 * this split: ROC AUC 0.905 and 0.923 (seeds 1 and 2), accuracy 0.82-0.86, about 20 s alone on one wasm thread.
 * With every defect type at 64-128 px the same budget gives an AUC of only 0.50-0.78.
 */
async function visibleDefectSubset(): Promise<{ key: string; className: string }[]> {
  const folder = await scanImageFolder(MAGNETIC_TILE);
  const defects: { key: string; className: string }[] = [];
  for (const sample of folder.samples) {
    if (sample.className !== 'ok' && (await defectArea(sample.className, sample.path)) > 0.01) {
      defects.push({ key: sample.path, className: sample.className });
    }
  }
  const ok = folder.samples
    .filter((s) => s.className === 'ok')
    .slice(0, defects.length)
    .map((s) => ({ key: s.path, className: s.className }));
  return [...defects, ...ok];
}

describe('a short real training on magnetic-tile, ok vs defect', () => {
  it('clearly beats chance on its test split, with an operating point chosen on validation', async () => {
    const samples = await visibleDefectSubset();
    const classNames = [...new Set(samples.map((s) => s.className))].sort();
    let reads = 0;
    const result = await train(
      {
        seed: 1,
        data: {
          source: { kind: 'samples', classNames, samples },
          task: 'ok-vs-defect',
          split: { train: 0.5, validation: 0.2, test: 0.3 },
        },
        model: { arch: 'resnet', depth: 10, width: 8, inputSize: 64 },
        batchSize: 16,
        epochs: 10,
        schedule: { kind: 'cosine', lr: 3e-3 },
        augment: { horizontalFlip: { p: 0.5 }, verticalFlip: { p: 0.5 } },
        earlyStopping: { metric: 'valRocAuc', patience: 10 },
        checklist: {
          initialLoss: { enabled: true },
          overfit: { enabled: false },
          lrRange: { enabled: false },
        },
      },
      {
        readImage: (key) => {
          reads++;
          return readFile(key);
        },
      },
    );
    // Every image was read and decoded once, for the whole run.
    expect(reads).toBe(samples.length);
    const { evaluation, manifest } = result;
    const defect = evaluation.defect;
    expect(defect).not.toBeNull();
    expect(defect?.rocAuc).toBeGreaterThan(0.75);
    const testOk = evaluation.report.confusion[0].reduce((a, b) => a + b, 0);
    const majority = Math.max(testOk, evaluation.testCount - testOk) / evaluation.testCount;
    expect(evaluation.report.accuracy).toBeGreaterThan(majority + 0.15);

    const op = defect?.operatingPoint;
    expect(op?.threshold.recall).toBeGreaterThanOrEqual(0.99);
    expect(op?.band.low).toBeLessThanOrEqual(op?.threshold.threshold ?? Number.NaN);
    expect(op?.band.high).toBeGreaterThanOrEqual(op?.threshold.threshold ?? Number.NaN);
    const counts = op?.test.counts;
    const sorted = counts ? Object.values(counts).flatMap((row) => Object.values(row)) : [];
    expect(sorted.reduce((a, b) => a + b, 0)).toBe(evaluation.testCount);
    expect(manifest.positiveClasses).toEqual(['defect']);
    expect(manifest.operatingPoint).toEqual({
      threshold: op?.threshold.threshold,
      uncertainBand: { low: op?.band.low, high: op?.band.high },
    });
    expect(() => checkManifestInput(manifest)).not.toThrow();
    expect(result.charts.roc?.subarray(1, 4).toString()).toBe('PNG');
    expect(result.findings.find((f) => f.check === 'initial-loss')?.status).toBe('pass');
    result.model.dispose();
  }, 120_000);
});
