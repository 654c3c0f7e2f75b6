import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  affineMatrix,
  affineTransform,
  cropAndResize,
  flipHorizontal,
  flipVertical,
  FULL_IMAGE,
  rotate90,
} from './geometry.ops';

/** 3x3 single-channel image with pixels 1..9 in reading order. */
const GRID = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const batchOf = (count: number, values = GRID, side = 3) =>
  tf.tensor4d(Array.from({ length: count }, () => values).flat(), [count, side, side, 1]);
const images = (t: tf.Tensor): number[][] => {
  const values = Array.from(t.dataSync());
  const per = values.length / t.shape[0];
  return Array.from({ length: t.shape[0] }, (_, i) => values.slice(i * per, (i + 1) * per));
};
const expectClose = (actual: number[], expected: number[], digits = 4) =>
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits));

describe.each(['cpu', 'wasm'])('geometry ops on %s', (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
    await tf.ready();
  });

  it('flips left-right only the selected images', () => {
    const out = flipHorizontal(batchOf(2), [true, false]);
    expect(images(out)).toEqual([[3, 2, 1, 6, 5, 4, 9, 8, 7], GRID]);
  });

  it('flips top-bottom only the selected images, channels together', () => {
    const rgbLike = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    expect(Array.from(flipVertical(rgbLike, [true]).dataSync())).toEqual([3, 30, 4, 40, 1, 10, 2, 20]);
    expect(images(flipVertical(batchOf(2), [false, true]))).toEqual([GRID, [7, 8, 9, 4, 5, 6, 1, 2, 3]]);
  });

  it('turns by quarter turns counter-clockwise, per image', () => {
    expect(images(rotate90(batchOf(4), [1, 2, 3, 0]))).toEqual([
      [3, 6, 9, 2, 5, 8, 1, 4, 7],
      [9, 8, 7, 6, 5, 4, 3, 2, 1],
      [7, 4, 1, 8, 5, 2, 9, 6, 3],
      GRID,
    ]);
  });

  it('refuses odd quarter turns of a non-square image but allows half turns', () => {
    const wide = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    expect(() => rotate90(wide, [1])).toThrow(RangeError);
    expect(Array.from(rotate90(wide, [2]).dataSync())).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it('rotates by 90 degrees about the centre like a quarter turn', () => {
    const out = affineTransform(batchOf(1), [{ angleRadians: Math.PI / 2, shiftX: 0, shiftY: 0 }]);
    expectClose(Array.from(out.dataSync()), [3, 6, 9, 2, 5, 8, 1, 4, 7]);
  });

  it('moves a single bright pixel along the circle for a small counter-clockwise rotation', () => {
    const pixels = new Array<number>(49).fill(0);
    pixels[3 * 7 + 6] = 1; // (x=6, y=3): 3 px right of the centre (3, 3)
    const angle = (30 * Math.PI) / 180;
    const out = Array.from(
      affineTransform(
        batchOf(1, pixels, 7),
        [{ angleRadians: angle, shiftX: 0, shiftY: 0 }],
        'constant',
      ).dataSync(),
    );
    const mass = out.reduce((a, b) => a + b, 0);
    const cx = out.reduce((s, v, i) => s + v * (i % 7), 0) / mass;
    const cy = out.reduce((s, v, i) => s + v * Math.floor(i / 7), 0) / mass;
    // Counter-clockwise on screen means up (smaller y) from the right.
    expect(cx).toBeCloseTo(3 + 3 * Math.cos(angle), 1);
    expect(cy).toBeCloseTo(3 - 3 * Math.sin(angle), 1);
  });

  it('transforms every image of a batch with its own parameters (the cpu kernel only does the first)', () => {
    const out = affineTransform(
      batchOf(3),
      [
        { angleRadians: 0, shiftX: 0, shiftY: 0 },
        { angleRadians: 0, shiftX: 1, shiftY: 0 },
        { angleRadians: Math.PI, shiftX: 0, shiftY: 0 },
      ],
      'constant',
    );
    const [first, second, third] = images(out);
    expectClose(first, GRID);
    expectClose(second, [0, 1, 2, 0, 4, 5, 0, 7, 8]);
    expectClose(third, [9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('shifts by whole pixels with the requested fill', () => {
    const right = affineTransform(batchOf(1), [{ angleRadians: 0, shiftX: 1, shiftY: 0 }], 'constant');
    expectClose(Array.from(right.dataSync()), [0, 1, 2, 0, 4, 5, 0, 7, 8]);
    const down = affineTransform(batchOf(1), [{ angleRadians: 0, shiftX: 0, shiftY: 1 }], 'nearest');
    expectClose(Array.from(down.dataSync()), [1, 2, 3, 1, 2, 3, 4, 5, 6]);
    const leftReflect = affineTransform(batchOf(1), [{ angleRadians: 0, shiftX: -1, shiftY: 0 }], 'reflect');
    expectClose(Array.from(leftReflect.dataSync()), [2, 3, 3, 5, 6, 6, 8, 9, 9]);
  });

  it('reflects with the edge repeated for fractional shifts past the left edge (wasm Transform wraps there)', () => {
    const grid5 = Array.from({ length: 25 }, (_, i) => i + 1);
    const out = affineTransform(
      batchOf(1, grid5, 5),
      [{ angleRadians: 0, shiftX: 1.5, shiftY: 0 }],
      'reflect',
    );
    // Row 0 samples x = -1.5, -0.5, 0.5, 1.5, 2.5 of [1 2 3 4 5] mirrored as ... 2 1 | 1 2 3 4 5 | 5 4 ...
    expectClose(Array.from(out.dataSync()).slice(0, 5), [1.5, 1, 1.5, 2.5, 3.5]);
    const rotated = affineTransform(
      batchOf(1, grid5, 5),
      [{ angleRadians: 0.3, shiftX: -0.7, shiftY: 1.2 }],
      'reflect',
    );
    expect(Math.min(...rotated.dataSync())).toBeGreaterThanOrEqual(1);
  });

  it('crops boxes and resizes them bilinearly', () => {
    expect(images(cropAndResize(batchOf(1), [FULL_IMAGE]))).toEqual([GRID]);
    expectClose(Array.from(cropAndResize(batchOf(1), [[0, 0, 0.5, 0.5]], [2, 2]).dataSync()), [1, 2, 4, 5]);
    expectClose(
      Array.from(cropAndResize(batchOf(1), [[0, 0, 0.5, 0.5]]).dataSync()),
      [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5],
    );
    expectClose(images(cropAndResize(batchOf(2), [FULL_IMAGE, [0.5, 0.5, 1, 1]], [2, 2]))[1], [5, 6, 8, 9]);
  });

  it('rejects a parameter list that does not match the batch', () => {
    expect(() => flipHorizontal(batchOf(2), [true])).toThrow(RangeError);
  });
});

describe('affineMatrix', () => {
  it('is the identity for no rotation and no shift', () => {
    expect(affineMatrix({ angleRadians: 0, shiftX: 0, shiftY: 0 }, 5, 7)).toEqual([1, -0, 0, 0, 1, 0, 0, 0]);
  });

  it('maps the output back by the shift', () => {
    const [a0, a1, a2, b0, b1, b2] = affineMatrix({ angleRadians: 0, shiftX: 2, shiftY: -1 }, 5, 5);
    expect([a0 * 3 + a1 * 3 + a2, b0 * 3 + b1 * 3 + b2]).toEqual([1, 4]);
  });
});
