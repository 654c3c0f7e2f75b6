import { readFile } from 'node:fs/promises';
import path from 'node:path';

import sharp from 'sharp';

import { decodeImage } from '../preprocess';
import { DATASETS_DIR } from './explain.testing';
import { type Heatmap } from './explanation.types';
import { heatOnSource, renderHeatmapOverlay } from './heatmap.overlay';
import { TURBO_LUT, turboColor } from './turbo.colormap';

const TILE = path.join(DATASETS_DIR, 'magnetic-tile', 'crack', 'exp1_num_249594.jpg');

/** A 4x4 map hot only in its top-left cell. */
function topLeftHot(): Heatmap {
  const values = new Float32Array(16);
  values[0] = 1;
  return { values, width: 4, height: 4 };
}

async function rgbOf(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function pixel(image: { data: Buffer; width: number }, x: number, y: number): number[] {
  const offset = (y * image.width + x) * 3;
  return [image.data[offset], image.data[offset + 1], image.data[offset + 2]];
}

describe('renderHeatmapOverlay', () => {
  it('draws over the original at its size, changing only where the map is hot', async () => {
    const bytes = await readFile(TILE);
    const original = await decodeImage(bytes);
    const png = await renderHeatmapOverlay(bytes, topLeftHot(), { inputSize: [64, 64], resize: 'squash' });
    const overlay = await rgbOf(png);

    expect((await sharp(png).metadata()).format).toBe('png');
    expect([overlay.width, overlay.height]).toEqual([original.width, original.height]);
    // Up to the top-left cell's centre (an eighth of each side in) the heat is 1.
    const hotX = 2;
    const hotY = 3;
    const before = pixel(original, hotX, hotY);
    const after = pixel(overlay, hotX, hotY);
    const red = turboColor(1);
    for (let channel = 0; channel < 3; channel++) {
      expect(after[channel]).toBe(Math.round(before[channel] * 0.4 + red[channel] * 0.6));
    }
    expect(Math.abs(after[0] - after[2])).toBeGreaterThan(50);
    // Far from the hot cell the heat is 0 and the pixels are untouched.
    const coldX = original.width - 2;
    const coldY = original.height - 2;
    expect(pixel(overlay, coldX, coldY)).toEqual(pixel(original, coldX, coldY));
  });

  it('leaves the image unchanged at opacity 0', async () => {
    const bytes = await readFile(TILE);
    const original = await decodeImage(bytes);
    const overlay = await rgbOf(
      await renderHeatmapOverlay(
        bytes,
        topLeftHot(),
        { inputSize: [64, 64], resize: 'squash' },
        { opacity: 0 },
      ),
    );
    expect(overlay.data.equals(original.data)).toBe(true);
  });

  it('follows EXIF orientation: the overlay has the size of the upright image', async () => {
    const stored = await sharp(await readFile(TILE))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const storedSize = await sharp(stored).metadata();
    const png = await renderHeatmapOverlay(stored, topLeftHot(), {
      inputSize: [64, 64],
      resize: 'letterbox',
    });
    const overlay = await sharp(png).metadata();
    expect([overlay.width, overlay.height]).toEqual([storedSize.height, storedSize.width]);
  });
});

describe('heatOnSource', () => {
  const allHot: Heatmap = { values: new Float32Array(4).fill(1), width: 2, height: 2 };

  it('center-crop: no heat where the crop cut the original off', () => {
    // 300x100 into 100x100: scaled to 300x100, the middle 100 columns are kept.
    const heat = heatOnSource(allHot, { inputSize: [100, 100], resize: 'center-crop' }, 300, 100);
    expect(heat[50 * 300 + 10]).toBe(0);
    expect(heat[50 * 300 + 150]).toBe(1);
    expect(heat[50 * 300 + 290]).toBe(0);
  });

  it('interpolates between cell centres and holds the edge values beyond them', () => {
    const ramp: Heatmap = { values: Float32Array.from([0, 1]), width: 2, height: 1 };
    const heat = heatOnSource(ramp, { inputSize: [10, 100], resize: 'squash' }, 100, 10);
    // Cell centres at x = 25 and 75 (pixel centres 24.5 -> 24, 74.5 -> 74 sit half a pixel before them).
    expect(heat[0]).toBe(0);
    expect(heat[49]).toBeCloseTo(0.49, 5);
    expect(heat[99]).toBe(1);
  });
});

describe('turbo colormap', () => {
  it('runs from blue through green to red', () => {
    const [r0, g0, b0] = turboColor(0.15);
    const [r1, g1, b1] = turboColor(0.5);
    const [r2, g2, b2] = turboColor(0.85);
    expect(b0).toBeGreaterThan(Math.max(r0, g0));
    expect(g1).toBeGreaterThan(Math.max(r1, b1));
    expect(r2).toBeGreaterThan(Math.max(g2, b2));
    expect(TURBO_LUT).toHaveLength(768);
  });
});
