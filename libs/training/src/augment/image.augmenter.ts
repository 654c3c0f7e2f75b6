import * as tf from '@tensorflow/tfjs-core';
import { type Rng } from '../random/rng';
import { parseAugmentOptions, type AugmentOptions } from './augment.options';
import {
  affineTransform,
  cropAndResize,
  flipHorizontal,
  flipVertical,
  FULL_IMAGE,
  rotate90,
  type AffineParams,
  type CropBox,
} from './geometry.ops';
import { addGaussianNoise, adjustBrightness, adjustContrast, clipPixels } from './photometric.ops';

/**
 * Augments an NHWC float batch with pixel values in [0, pixelMax]. Returns a new tensor that the caller
 * owns (a clone when nothing is enabled); the input is neither changed nor disposed.
 */
export type Augmenter = (images: tf.Tensor4D) => tf.Tensor4D;

/**
 * Composes the enabled augmentations, in a fixed order: flips, quarter turns, rotation and shift, resized
 * crop, brightness, contrast, noise, then clipping. Every random draw comes from `rng` on the host, per image,
 * so a batch is reproducible from the seed on any backend.
 */
export function createAugmenter(options: AugmentOptions, rng: Rng): Augmenter {
  const o = parseAugmentOptions(options);
  const pixelMax = o.pixelMax ?? 255;
  const fill = o.fill ?? 'reflect';
  const { horizontalFlip, verticalFlip, resizedCrop, brightness, contrast, noise: noiseOptions } = o;

  return (images) => {
    const [batch, height, width] = images.shape;
    const draw = <T>(p: number, apply: () => T, identity: T): T[] =>
      Array.from({ length: batch }, () => (rng.chance(p) ? apply() : identity));

    const hFlips = horizontalFlip && draw(horizontalFlip.p, () => true, false);
    const vFlips = verticalFlip && draw(verticalFlip.p, () => true, false);
    const turns = o.rotate90 && draw(o.rotate90.p, () => 1 + rng.int(3), 0);
    const affine = (o.rotation || o.shift) && drawAffine(o, rng, batch, height, width);
    const crops =
      resizedCrop && draw(resizedCrop.p, () => drawCropBox(resizedCrop, rng, height, width), FULL_IMAGE);
    const deltas =
      brightness && draw(brightness.p, () => rng.uniform(-1, 1) * brightness.maxDelta * pixelMax, 0);
    const factors = contrast && draw(contrast.p, () => rng.uniform(contrast.range[0], contrast.range[1]), 1);
    const stds = noiseOptions && draw(noiseOptions.p, () => noiseOptions.std * pixelMax, 0);
    const noise = stds && stds.some((s) => s > 0) ? standardNormals(rng, images.size) : null;

    return tf.tidy(() => {
      let out: tf.Tensor4D = images;
      if (hFlips && hFlips.some(Boolean)) out = flipHorizontal(out, hFlips);
      if (vFlips && vFlips.some(Boolean)) out = flipVertical(out, vFlips);
      if (turns && turns.some((t) => t !== 0)) out = rotate90(out, turns);
      if (affine && affine.some((a) => a.angleRadians !== 0 || a.shiftX !== 0 || a.shiftY !== 0)) {
        out = affineTransform(out, affine, fill);
      }
      if (crops && crops.some((c) => c !== FULL_IMAGE)) out = cropAndResize(out, crops);
      const photometric = [deltas, factors, stds].some((v) => v !== undefined);
      if (deltas && deltas.some((d) => d !== 0)) out = adjustBrightness(out, deltas);
      if (factors && factors.some((f) => f !== 1)) out = adjustContrast(out, factors);
      if (stds && noise) out = addGaussianNoise(out, stds, noise);
      if (photometric) out = clipPixels(out, pixelMax);
      return out === images ? tf.clone(images) : out;
    });
  };
}

function drawAffine(
  o: AugmentOptions,
  rng: Rng,
  batch: number,
  height: number,
  width: number,
): AffineParams[] {
  return Array.from({ length: batch }, () => {
    const angleRadians =
      o.rotation && rng.chance(o.rotation.p)
        ? (rng.uniform(-1, 1) * o.rotation.maxDegrees * Math.PI) / 180
        : 0;
    const shifted = o.shift && rng.chance(o.shift.p);
    const maxFraction = o.shift?.maxFraction ?? 0;
    return {
      angleRadians,
      shiftX: shifted ? rng.uniform(-1, 1) * maxFraction * width : 0,
      shiftY: shifted ? rng.uniform(-1, 1) * maxFraction * height : 0,
    };
  });
}

/**
 * A random-resized-crop box (as torchvision's RandomResizedCrop): area fraction uniform in `scale`, pixel
 * aspect ratio log-uniform in `ratio`, position uniform; after 10 misses, the largest centred box of an
 * allowed ratio.
 */
export function drawCropBox(
  options: { scale: [number, number]; ratio: [number, number] },
  rng: Rng,
  height: number,
  width: number,
): CropBox {
  const [minRatio, maxRatio] = options.ratio;
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = rng.uniform(options.scale[0], options.scale[1]);
    const ratio = Math.exp(rng.uniform(Math.log(minRatio), Math.log(maxRatio)));
    const boxWidth = Math.sqrt((area * ratio * height) / width);
    const boxHeight = Math.sqrt((area * width) / (ratio * height));
    if (boxWidth <= 1 && boxHeight <= 1) {
      const top = rng.next() * (1 - boxHeight);
      const left = rng.next() * (1 - boxWidth);
      return [top, left, top + boxHeight, left + boxWidth];
    }
  }
  const imageRatio = width / height;
  const ratio = Math.min(Math.max(imageRatio, minRatio), maxRatio);
  const boxWidth = ratio < imageRatio ? (ratio * height) / width : 1;
  const boxHeight = ratio > imageRatio ? width / (ratio * height) : 1;
  return [(1 - boxHeight) / 2, (1 - boxWidth) / 2, (1 + boxHeight) / 2, (1 + boxWidth) / 2];
}

function standardNormals(rng: Rng, count: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = rng.normal();
  return values;
}
