import sharp from 'sharp';

import { decodeImage } from '../preprocess';
import { type Heatmap } from './explanation.types';
import {
  checkHeatmap,
  inputToSource,
  toInput,
  type AxisTransform,
  type ResizeGeometry,
} from './heatmap.geometry';
import { TURBO_LUT } from './turbo.colormap';

export interface OverlayOptions {
  /** Opacity of the colour where the heat is 1; it falls linearly to 0 with the heat. Default 0.6. */
  opacity?: number;
  /** Decompression-bomb guard for the original image (see `decodeImage`). */
  maxPixels?: number;
  /** zlib level of the PNG, 0-9. Default 6 (sharp's); lower is faster and larger. */
  compressionLevel?: number;
}

export const DEFAULT_OVERLAY_OPACITY = 0.6;

/**
 * Bilinear sampling positions of one axis: for each original pixel, the two map cells around it and the
 * weight of the second, or `inside = false` where the pixel was cut off by a centre crop.
 */
interface AxisSamples {
  low: Int32Array;
  high: Int32Array;
  weight: Float32Array;
  inside: Uint8Array;
}

function axisSamples(
  sourceSize: number,
  inputSize: number,
  mapSize: number,
  transform: AxisTransform,
): AxisSamples {
  const samples: AxisSamples = {
    low: new Int32Array(sourceSize),
    high: new Int32Array(sourceSize),
    weight: new Float32Array(sourceSize),
    inside: new Uint8Array(sourceSize),
  };
  for (let pixel = 0; pixel < sourceSize; pixel++) {
    const input = toInput(transform, pixel + 0.5);
    samples.inside[pixel] = input >= 0 && input < inputSize ? 1 : 0;
    // Map cell i is centred at input coordinate (i + 0.5) * inputSize / mapSize.
    const cell = Math.min(mapSize - 1, Math.max(0, (input * mapSize) / inputSize - 0.5));
    const low = Math.floor(cell);
    samples.low[pixel] = low;
    samples.high[pixel] = Math.min(mapSize - 1, low + 1);
    samples.weight[pixel] = cell - low;
  }
  return samples;
}

/**
 * Heat of every original-image pixel: the map carried back through the resize policy (squash, letterbox,
 * centre crop) and bilinearly interpolated between cell centres; 0 outside the model's view.
 */
export function heatOnSource(
  map: Heatmap,
  geometry: ResizeGeometry,
  sourceWidth: number,
  sourceHeight: number,
): Float32Array {
  checkHeatmap(map);
  const transform = inputToSource({ ...geometry, sourceWidth, sourceHeight });
  const [inputHeight, inputWidth] = geometry.inputSize;
  const columns = axisSamples(sourceWidth, inputWidth, map.width, transform.x);
  const rows = axisSamples(sourceHeight, inputHeight, map.height, transform.y);
  const heat = new Float32Array(sourceWidth * sourceHeight);
  const { values, width } = map;
  for (let y = 0; y < sourceHeight; y++) {
    if (rows.inside[y] === 0) continue;
    const top = rows.low[y] * width;
    const bottom = rows.high[y] * width;
    const wy = rows.weight[y];
    for (let x = 0; x < sourceWidth; x++) {
      if (columns.inside[x] === 0) continue;
      const left = columns.low[x];
      const right = columns.high[x];
      const wx = columns.weight[x];
      const upper = values[top + left] * (1 - wx) + values[top + right] * wx;
      const lower = values[bottom + left] * (1 - wx) + values[bottom + right] * wx;
      heat[y * sourceWidth + x] = upper * (1 - wy) + lower * wy;
    }
  }
  return heat;
}

/** Alpha-blends turbo colours onto RGB pixels in place, each with opacity `opacity * heat`. */
export function blendHeat(rgb: Uint8Array, heat: Float32Array, opacity: number): void {
  for (let pixel = 0; pixel < heat.length; pixel++) {
    const level = Math.min(1, Math.max(0, heat[pixel]));
    const alpha = opacity * level;
    if (alpha <= 0) continue;
    const colour = 3 * Math.round(255 * level);
    for (let channel = 0; channel < 3; channel++) {
      const offset = pixel * 3 + channel;
      rgb[offset] = Math.round(rgb[offset] * (1 - alpha) + TURBO_LUT[colour + channel] * alpha);
    }
  }
}

/**
 * The heatmap drawn over the original image (EXIF orientation applied, as the model saw it) at the
 * original's size, as a PNG. Cold regions keep the original pixels; hot ones turn towards turbo red.
 */
export async function renderHeatmapOverlay(
  originalImageBytes: Buffer,
  map: Heatmap,
  geometry: ResizeGeometry,
  options: OverlayOptions = {},
): Promise<Buffer> {
  const opacity = options.opacity ?? DEFAULT_OVERLAY_OPACITY;
  if (!(opacity >= 0 && opacity <= 1)) throw new RangeError(`opacity must be in [0, 1], got ${opacity}`);
  const image = await decodeImage(originalImageBytes, { maxPixels: options.maxPixels });
  const heat = heatOnSource(map, geometry, image.width, image.height);
  const pixels = Buffer.from(image.data);
  blendHeat(pixels, heat, opacity);
  return sharp(pixels, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel: options.compressionLevel ?? 6 })
    .toBuffer();
}
