/** How a model family expects its input scaled. */
export type NormalizationFamily = 'mobilenet' | 'resnet' | 'vit' | 'unit';

export const NORMALIZATION_FAMILIES: readonly NormalizationFamily[] = ['mobilenet', 'resnet', 'vit', 'unit'];

/** Per-channel (R, G, B) statistics in [0, 1] units: `out = (x / 255 - mean) / std`. */
export interface ChannelStats {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

const SYMMETRIC: ChannelStats = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

/**
 * The normalisations as data.
 * - mobilenet: x / 127.5 - 1, i.e. [-1, 1] (Keras `mobilenet_v2.preprocess_input`).
 * - resnet: ImageNet mean/std (torchvision convention).
 * - vit: [-1, 1] like mobilenet. Our ViT is trained in-house, distilled from our own CNN teacher, and shares its
 *   input range. Upstream DeiT/timm checkpoints use ImageNet mean/std instead: a ViT imported with those weights
 *   must be declared 'resnet'.
 * - unit: x / 255, i.e. [0, 1].
 */
export const NORMALIZATIONS: Readonly<Record<NormalizationFamily, ChannelStats>> = {
  mobilenet: SYMMETRIC,
  resnet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  vit: SYMMETRIC,
  unit: { mean: [0, 0, 0], std: [1, 1, 1] },
};

const lookupTables = new Map<NormalizationFamily, Float32Array>();

/** 3 x 256 float32 values: one per channel and byte value, computed once per family. */
function lookupTable(family: NormalizationFamily): Float32Array {
  const cached = lookupTables.get(family);
  if (cached !== undefined) return cached;
  const { mean, std } = NORMALIZATIONS[family];
  const table = new Float32Array(3 * 256);
  for (let channel = 0; channel < 3; channel += 1) {
    for (let value = 0; value < 256; value += 1) {
      table[channel * 256 + value] = (value / 255 - mean[channel]) / std[channel];
    }
  }
  lookupTables.set(family, table);
  return table;
}

/** Converts interleaved RGB bytes (HWC) to float32 (HWC) with the family's normalisation. */
export function normalizePixels(
  rgb: Uint8Array,
  family: NormalizationFamily,
  out?: Float32Array,
): Float32Array {
  if (rgb.length % 3 !== 0) throw new RangeError(`RGB data length ${rgb.length} is not a multiple of 3`);
  const target = out ?? new Float32Array(rgb.length);
  if (target.length !== rgb.length) {
    throw new RangeError(`output has ${target.length} values for ${rgb.length} input bytes`);
  }
  const table = lookupTable(family);
  for (let index = 0; index < rgb.length; index += 3) {
    target[index] = table[rgb[index]];
    target[index + 1] = table[256 + rgb[index + 1]];
    target[index + 2] = table[512 + rgb[index + 2]];
  }
  return target;
}
