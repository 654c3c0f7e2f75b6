import sharp from 'sharp';

import { preprocess, RESIZE_POLICIES, type ResizePolicy } from '../preprocess';
import { type Heatmap } from './explanation.types';
import {
  heatmapPeak,
  inputToSource,
  parabolaOffset,
  toInput,
  toSource,
  type SourceGeometry,
} from './heatmap.geometry';

/** A map that is 0 everywhere but 1 at one cell. */
function oneHot(width: number, height: number, column: number, row: number): Heatmap {
  const values = new Float32Array(width * height);
  values[row * width + column] = 1;
  return { values, width, height };
}

/** 300 wide, 200 high, into a 100 x 100 model input. */
const source = { sourceWidth: 300, sourceHeight: 200, inputSize: [100, 100] as const };

describe('heatmapPeak', () => {
  // Input cell (column 25, row 50) of a 100x100 map is centred at input (25.5, 50.5).
  it('squash: scales each axis by source / input', () => {
    const peak = heatmapPeak(oneHot(100, 100, 25, 50), { ...source, resize: 'squash' });
    expect(peak).toEqual({ x: Math.floor(25.5 * 3), y: Math.floor(50.5 * 2), value: 1 });
  });

  it('letterbox: removes the padding before scaling', () => {
    // scale 1/3: 300x200 -> 100x67, placed at top = floor((100 - 67) / 2) = 16.
    const peak = heatmapPeak(oneHot(100, 100, 25, 50), { ...source, resize: 'letterbox' });
    expect(peak).toEqual({ x: Math.floor(25.5 * 3), y: Math.floor((50.5 - 16) * (200 / 67)), value: 1 });
  });

  it('center-crop: adds the cropped margin before scaling', () => {
    // scale 1/2: 300x200 -> 150x100, crop left = 25.
    const peak = heatmapPeak(oneHot(100, 100, 25, 50), { ...source, resize: 'center-crop' });
    expect(peak).toEqual({ x: Math.floor((25.5 + 25) * 2), y: Math.floor(50.5 * 2), value: 1 });
  });

  it('maps a coarse grid cell to the centre of the region it covers', () => {
    // Cell (3, 1) of a 4x4 map covers input [75, 100) x [25, 50): centre (87.5, 37.5).
    const peak = heatmapPeak(oneHot(4, 4, 3, 1), { ...source, resize: 'squash' });
    expect([peak.x, peak.y]).toEqual([Math.floor(87.5 * 3), Math.floor(37.5 * 2)]);
  });

  it('refines the peak towards the stronger neighbour', () => {
    const map = oneHot(4, 4, 1, 1);
    map.values[1 * 4 + 2] = 0.5;
    const peak = heatmapPeak(map, { ...source, resize: 'squash' });
    const offset = parabolaOffset(0, 1, 0.5);
    expect(offset).toBeCloseTo(1 / 6, 6);
    expect(peak.x).toBe(Math.floor((1.5 + offset) * 25 * 3));
    expect(peak.y).toBe(Math.floor(1.5 * 25 * 2));
  });

  it('clamps a peak in the letterbox padding onto the image', () => {
    const peak = heatmapPeak(oneHot(100, 100, 50, 2), { ...source, resize: 'letterbox' });
    expect(peak.y).toBe(0);
    expect(heatmapPeak(oneHot(100, 100, 50, 98), { ...source, resize: 'letterbox' }).y).toBe(199);
  });

  it('reports a map without evidence with value 0', () => {
    const flat: Heatmap = { values: new Float32Array(16), width: 4, height: 4 };
    expect(heatmapPeak(flat, { ...source, resize: 'squash' }).value).toBe(0);
  });

  it('rejects a map whose size does not match its values', () => {
    expect(() =>
      heatmapPeak({ values: new Float32Array(15), width: 4, height: 4 }, { ...source, resize: 'squash' }),
    ).toThrow(RangeError);
  });
});

describe('inputToSource', () => {
  it.each(RESIZE_POLICIES)('%s: toInput undoes toSource', (resize) => {
    const transform = inputToSource({ ...source, resize });
    for (const value of [0, 12.25, 99]) {
      expect(toInput(transform.x, toSource(transform.x, value))).toBeCloseTo(value, 9);
      expect(toInput(transform.y, toSource(transform.y, value))).toBeCloseTo(value, 9);
    }
  });
});

describe('a peak found in the real preprocessed input lands on the original spot', () => {
  const WIDTH = 300;
  const HEIGHT = 180;
  const SPOT = { left: 200, top: 40, size: 12 };
  const INPUT: [number, number] = [64, 80];

  async function imageWithSpot(): Promise<Buffer> {
    const pixels = Buffer.alloc(WIDTH * HEIGHT * 3, 40);
    for (let y = SPOT.top; y < SPOT.top + SPOT.size; y++) {
      pixels.fill(250, (y * WIDTH + SPOT.left) * 3, (y * WIDTH + SPOT.left + SPOT.size) * 3);
    }
    return sharp(pixels, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .png()
      .toBuffer();
  }

  it.each(RESIZE_POLICIES)('%s', async (resize: ResizePolicy) => {
    const bytes = await imageWithSpot();
    const input = await preprocess(bytes, { inputSize: INPUT, resize, normalization: 'unit' });
    // The red channel of the model input itself is the map: its peak is where the spot ended up.
    const values = Float32Array.from({ length: INPUT[0] * INPUT[1] }, (_, index) => input[index * 3]);
    const geometry: SourceGeometry = { inputSize: INPUT, resize, sourceWidth: WIDTH, sourceHeight: HEIGHT };
    const peak = heatmapPeak({ values, height: INPUT[0], width: INPUT[1] }, geometry);
    expect(peak.x).toBeGreaterThanOrEqual(SPOT.left);
    expect(peak.x).toBeLessThan(SPOT.left + SPOT.size);
    expect(peak.y).toBeGreaterThanOrEqual(SPOT.top);
    expect(peak.y).toBeLessThan(SPOT.top + SPOT.size);
  });
});
