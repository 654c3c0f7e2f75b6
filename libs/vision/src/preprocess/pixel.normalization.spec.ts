import { NORMALIZATION_FAMILIES, NORMALIZATIONS, normalizePixels } from './pixel.normalization';

const f32 = Math.fround;

describe('normalizePixels', () => {
  const pixels = Uint8Array.from([0, 0, 0, 255, 255, 255, 51, 102, 204]);

  it('mobilenet maps bytes to x / 127.5 - 1', () => {
    const out = normalizePixels(pixels, 'mobilenet');
    expect(Array.from(out.subarray(0, 6))).toEqual([-1, -1, -1, 1, 1, 1]);
    expect(out[6]).toBe(f32(51 / 127.5 - 1));
    expect(out[7]).toBe(f32(102 / 127.5 - 1));
    expect(out[8]).toBe(f32(204 / 127.5 - 1));
  });

  it('vit uses the same [-1, 1] scaling as mobilenet', () => {
    expect(normalizePixels(pixels, 'vit')).toEqual(normalizePixels(pixels, 'mobilenet'));
  });

  it('resnet applies ImageNet mean and std per channel', () => {
    const out = normalizePixels(pixels, 'resnet');
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    for (let index = 0; index < pixels.length; index += 1) {
      const channel = index % 3;
      expect(out[index]).toBe(f32((pixels[index] / 255 - mean[channel]) / std[channel]));
    }
    expect(out[0]).toBeCloseTo(-2.1179, 4);
    expect(out[5]).toBeCloseTo(2.64, 4);
  });

  it('unit maps bytes to x / 255', () => {
    expect(Array.from(normalizePixels(pixels, 'unit'))).toEqual(
      Array.from(pixels, (value) => f32(value / 255)),
    );
  });

  it('keeps channel order: R, G and B get their own statistics', () => {
    const grey = Uint8Array.from([128, 128, 128]);
    const [r, g, b] = normalizePixels(grey, 'resnet');
    expect(new Set([r, g, b]).size).toBe(3);
  });

  it('is described entirely by data', () => {
    expect(NORMALIZATION_FAMILIES).toEqual(Object.keys(NORMALIZATIONS));
    expect(NORMALIZATIONS.resnet).toEqual({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  });

  it('writes into a provided buffer and rejects mismatched lengths', () => {
    const out = new Float32Array(9);
    expect(normalizePixels(pixels, 'unit', out)).toBe(out);
    expect(() => normalizePixels(pixels, 'unit', new Float32Array(6))).toThrow(RangeError);
    expect(() => normalizePixels(Uint8Array.from([1, 2]), 'unit')).toThrow(RangeError);
  });
});
