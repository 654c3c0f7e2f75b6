import { pixelAt, rgbPattern } from './image.fixture';
import { LETTERBOX_PAD_VALUE, planResize, resizeRgb, RESIZE_POLICIES } from './resize.policy';
import { type RgbImage } from './rgb-image.types';

const RED = [255, 0, 0] as const;
const GREEN = [0, 255, 0] as const;
const BLUE = [0, 0, 255] as const;
const WHITE = [255, 255, 255] as const;
const PAD = [LETTERBOX_PAD_VALUE, LETTERBOX_PAD_VALUE, LETTERBOX_PAD_VALUE];

/** 40 wide, 20 high: red | green over blue | white. */
const QUADRANTS: RgbImage = {
  width: 40,
  height: 20,
  data: rgbPattern(40, 20, (x, y) => (y < 10 ? (x < 20 ? RED : GREEN) : x < 20 ? BLUE : WHITE)),
};

describe('planResize', () => {
  it('squash stretches to the target', () => {
    expect(planResize(40, 20, [10, 10], 'squash')).toEqual({
      scaledWidth: 10,
      scaledHeight: 10,
      crop: null,
      placement: null,
    });
  });

  it('letterbox fits inside and centres, the odd pixel of padding going to the bottom/right', () => {
    expect(planResize(40, 20, [20, 20], 'letterbox')).toEqual({
      scaledWidth: 20,
      scaledHeight: 10,
      crop: null,
      placement: { left: 0, top: 5, width: 20, height: 10 },
    });
    expect(planResize(20, 40, [10, 8], 'letterbox').placement).toEqual({
      left: 1,
      top: 0,
      width: 5,
      height: 10,
    });
  });

  it('center-crop fills with the shorter side and keeps the centre', () => {
    expect(planResize(40, 20, [10, 10], 'center-crop')).toEqual({
      scaledWidth: 20,
      scaledHeight: 10,
      crop: { left: 5, top: 0, width: 10, height: 10 },
      placement: null,
    });
    expect(planResize(219, 264, [224, 224], 'center-crop')).toEqual({
      scaledWidth: 224,
      scaledHeight: 270,
      crop: { left: 0, top: 23, width: 224, height: 224 },
      placement: null,
    });
  });

  it('never plans an empty image, even for extreme aspect ratios', () => {
    const plan = planResize(10_000, 3, [64, 64], 'letterbox');
    expect(plan.scaledWidth).toBe(64);
    expect(plan.scaledHeight).toBe(1);
  });
});

describe('resizeRgb', () => {
  it('squash keeps each quadrant in its corner', async () => {
    const out = await resizeRgb(QUADRANTS, [10, 10], 'squash');
    expect([out.width, out.height]).toEqual([10, 10]);
    expect(pixelAt(out.data, 10, 2, 2)).toEqual(RED);
    expect(pixelAt(out.data, 10, 7, 2)).toEqual(GREEN);
    expect(pixelAt(out.data, 10, 2, 7)).toEqual(BLUE);
    expect(pixelAt(out.data, 10, 7, 7)).toEqual(WHITE);
  });

  it('letterbox pads above and below a wide image with the pad value', async () => {
    const out = await resizeRgb(QUADRANTS, [20, 20], 'letterbox');
    expect([out.width, out.height]).toEqual([20, 20]);
    for (const y of [0, 4, 15, 19]) expect(pixelAt(out.data, 20, 10, y)).toEqual(PAD);
    expect(pixelAt(out.data, 20, 4, 7)).toEqual(RED);
    expect(pixelAt(out.data, 20, 15, 7)).toEqual(GREEN);
    expect(pixelAt(out.data, 20, 4, 12)).toEqual(BLUE);
    expect(pixelAt(out.data, 20, 15, 12)).toEqual(WHITE);
  });

  it('letterbox pads left and right of a tall image', async () => {
    const tall: RgbImage = { width: 10, height: 40, data: rgbPattern(10, 40, () => WHITE) };
    const out = await resizeRgb(tall, [20, 20], 'letterbox');
    expect(pixelAt(out.data, 20, 2, 10)).toEqual(PAD);
    expect(pixelAt(out.data, 20, 17, 10)).toEqual(PAD);
    expect(pixelAt(out.data, 20, 10, 10)).toEqual(WHITE);
  });

  it('center-crop keeps the middle stripes and drops the outer ones', async () => {
    const stripes = [RED, GREEN, BLUE, WHITE];
    const image: RgbImage = {
      width: 40,
      height: 20,
      data: rgbPattern(40, 20, (x) => stripes[Math.floor(x / 10)]),
    };
    const out = await resizeRgb(image, [10, 10], 'center-crop');
    expect([out.width, out.height]).toEqual([10, 10]);
    expect(pixelAt(out.data, 10, 1, 5)).toEqual(GREEN);
    expect(pixelAt(out.data, 10, 8, 5)).toEqual(BLUE);
    for (let x = 0; x < 10; x += 1) {
      expect(pixelAt(out.data, 10, x, 5)).not.toEqual(RED);
      expect(pixelAt(out.data, 10, x, 5)).not.toEqual(WHITE);
    }
  });

  it('leaves an image already at the target size untouched', async () => {
    const out = await resizeRgb(QUADRANTS, [20, 40], 'squash');
    expect(out.data.equals(QUADRANTS.data)).toBe(true);
  });

  it.each(RESIZE_POLICIES)('%s always produces exactly the target size', async (policy) => {
    for (const [width, height] of [
      [7, 3],
      [3, 7],
      [31, 31],
      [1, 50],
    ] as const) {
      const image: RgbImage = { width, height, data: Buffer.alloc(width * height * 3, 90) };
      const out = await resizeRgb(image, [12, 16], policy);
      expect([out.width, out.height]).toEqual([16, 12]);
      expect(out.data).toHaveLength(12 * 16 * 3);
    }
  });
});
