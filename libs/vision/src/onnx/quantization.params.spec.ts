import { biasScales, INT8_LIMIT, quantizeBias, quantizePerChannel, uint8Params } from './quantization.params';

describe('quantizePerChannel', () => {
  it('gives each channel along the axis its own symmetric scale, and round-trips within half a step', () => {
    // [2 rows, 3 columns]; per column (axis 1) maxima 4, 0.5, 0.
    const values = Float32Array.from([4, -0.25, 0, -2, 0.5, 0]);
    const { values: quantized, scales } = quantizePerChannel(values, [2, 3], 1);
    expect(Array.from(scales)).toEqual([4 / INT8_LIMIT, 0.5 / INT8_LIMIT, 1].map(Math.fround));
    expect(Array.from(quantized)).toEqual([127, -64, 0, -64, 127, 0]);
    values.forEach((value, index) => {
      const scale = scales[index % 3];
      expect(Math.abs(quantized[index] * scale - value)).toBeLessThanOrEqual(scale / 2 + 1e-7);
    });
  });

  it('quantises a conv weight [out, in, kh, kw] per output channel (axis 0)', () => {
    const values = Float32Array.from({ length: 2 * 2 * 2 * 2 }, (_, index) =>
      index < 8 ? index : -10 * index,
    );
    const { values: quantized, scales } = quantizePerChannel(values, [2, 2, 2, 2], 0);
    expect(scales[0]).toBeCloseTo(7 / INT8_LIMIT, 6);
    expect(scales[1]).toBeCloseTo(150 / INT8_LIMIT, 6);
    expect(quantized[7]).toBe(127);
    expect(quantized[15]).toBe(-127);
  });
});

describe('uint8Params', () => {
  it('covers the range widened to include zero, with zero exactly representable', () => {
    expect(uint8Params(0, 6)).toEqual({ scale: 6 / 255, zeroPoint: 0 });
    const signed = uint8Params(-1, 3);
    expect(signed.scale).toBeCloseTo(4 / 255, 9);
    expect(signed.zeroPoint).toBe(64);
    const positiveOnly = uint8Params(2, 4);
    expect(positiveOnly).toEqual({ scale: 4 / 255, zeroPoint: 0 });
    expect(uint8Params(-5, -1).zeroPoint).toBe(255);
  });

  it('falls back to scale 1 for a constant zero tensor instead of dividing by zero', () => {
    expect(uint8Params(0, 0)).toEqual({ scale: 1, zeroPoint: 0 });
  });
});

describe('quantizeBias', () => {
  it('expresses the bias in the accumulator scale, input scale x weight scale per channel', () => {
    const weightScales = Float32Array.from([0.01, 0.5]);
    const quantized = quantizeBias(Float32Array.from([0.3, -1]), 0.1, weightScales);
    expect(Array.from(quantized)).toEqual([300, -20]);
    const scales = biasScales(0.1, weightScales);
    expect(scales[0]).toBeCloseTo(0.001, 8);
    expect(scales[1]).toBeCloseTo(0.05, 8);
  });
});
