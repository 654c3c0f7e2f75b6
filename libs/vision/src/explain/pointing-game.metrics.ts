import sharp from 'sharp';

import { distanceTransform } from './distance.transform';

/** A ground-truth defect mask: 1 where the defect is, 0 elsewhere. */
export interface DefectMask {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Mask pixels at or above this grey level are defect (masks are white on black, anti-aliased edges). */
export const MASK_THRESHOLD = 128;

/** Decodes a mask image (any format sharp reads, EXIF orientation applied) to a binary mask. */
export async function decodeDefectMask(bytes: Buffer, threshold = MASK_THRESHOLD): Promise<DefectMask> {
  const { data, info } = await sharp(bytes)
    .autoOrient()
    .flatten({ background: { r: 0, g: 0, b: 0 } })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const mask = new Uint8Array(info.width * info.height);
  for (let index = 0; index < mask.length; index++)
    mask[index] = data[index * info.channels] >= threshold ? 1 : 0;
  return { data: mask, width: info.width, height: info.height };
}

/** Distances from every pixel to the nearest defect pixel, for repeated pointing-game queries on one mask. */
export interface MaskDistances {
  values: Float32Array;
  width: number;
  height: number;
  /** Defect pixels in the mask. */
  area: number;
}

export function maskDistances(mask: DefectMask): MaskDistances {
  let area = 0;
  for (const value of mask.data) area += value;
  return {
    values: distanceTransform(mask.data, mask.width, mask.height),
    width: mask.width,
    height: mask.height,
    area,
  };
}

/**
 * The pointing game (Zhang et al., 2016): does the point fall on the defect, or within `tolerance` pixels of
 * it? An empty mask is never hit.
 */
export function pointsAtDefect(
  distances: MaskDistances,
  point: { x: number; y: number },
  tolerance = 0,
): boolean {
  const { values, width, height } = distances;
  if (
    !Number.isInteger(point.x) ||
    !Number.isInteger(point.y) ||
    point.x < 0 ||
    point.y < 0 ||
    point.x >= width ||
    point.y >= height
  ) {
    throw new RangeError(`point (${point.x}, ${point.y}) is not a pixel of a ${width}x${height} mask`);
  }
  return values[point.y * width + point.x] <= tolerance;
}

/**
 * Probability that a uniformly random pixel points at the defect (within `tolerance`): the chance level of
 * the pointing game, computed exactly instead of sampled.
 */
export function chanceOfPointing(distances: MaskDistances, tolerance = 0): number {
  let hits = 0;
  for (const value of distances.values) if (value <= tolerance) hits++;
  return hits / distances.values.length;
}
