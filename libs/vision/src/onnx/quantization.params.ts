/** Symmetric int8 stays within ±127 so a u8 x s8 pair of products cannot overflow VNNI's 16-bit accumulation. */
export const INT8_LIMIT = 127;
export const UINT8_MAX = 255;

export interface PerChannelInt8 {
  values: Int8Array;
  /** One scale per channel along the quantised axis; zero points are all 0 (symmetric). */
  scales: Float32Array;
}

/**
 * Per-channel symmetric int8 quantisation of a row-major tensor along `axis`: q = round(w / s_c) with
 * s_c = max|w_c| / 127 (1 for an all-zero channel, so dequantising stays finite).
 */
export function quantizePerChannel(
  values: Float32Array,
  dims: readonly number[],
  axis: number,
): PerChannelInt8 {
  const channels = dims[axis];
  const inner = dims.slice(axis + 1).reduce((product, dim) => product * dim, 1);
  const channelOf = (index: number): number => Math.floor(index / inner) % channels;
  const maxAbs = new Float32Array(channels);
  values.forEach((value, index) => {
    const channel = channelOf(index);
    maxAbs[channel] = Math.max(maxAbs[channel], Math.abs(value));
  });
  const scales = maxAbs.map((max) => (max > 0 ? max / INT8_LIMIT : 1));
  const quantized = new Int8Array(values.length);
  values.forEach((value, index) => {
    const q = Math.round(value / scales[channelOf(index)]);
    quantized[index] = Math.max(-INT8_LIMIT, Math.min(INT8_LIMIT, q));
  });
  return { values: quantized, scales };
}

export interface Uint8Params {
  scale: number;
  zeroPoint: number;
}

/**
 * Asymmetric uint8 parameters covering [min, max] widened to include 0 (so zero, and ReLU's clamp, are exact):
 * real = (q - zeroPoint) * scale.
 */
export function uint8Params(min: number, max: number): Uint8Params {
  const low = Math.min(0, min);
  const high = Math.max(0, max);
  if (!(high > low)) return { scale: 1, zeroPoint: 0 };
  const scale = (high - low) / UINT8_MAX;
  const zeroPoint = Math.max(0, Math.min(UINT8_MAX, Math.round(-low / scale)));
  return { scale, zeroPoint };
}

/** A bias as int32 in the accumulator's scale (input scale x weight scale per channel), as QLinearConv adds it. */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): Int32Array {
  return Int32Array.from(bias, (value, channel) => {
    const scale = inputScale * weightScales[channel];
    const q = scale > 0 ? Math.round(value / scale) : 0;
    return Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, q));
  });
}

export function biasScales(inputScale: number, weightScales: Float32Array): Float32Array {
  return weightScales.map((scale) => inputScale * scale);
}
