import * as tf from '@tensorflow/tfjs-core';
import { type FillMode } from './augment.options';

/**
 * Deterministic geometric operations on NHWC float batches, one parameter per image. They use only kernels
 * that exist on both the cpu and wasm backends (Reverse, Transpose, Select, Transform, CropAndResize).
 * Each returns a new tensor and leaves its input alone.
 */

/** A [B, 1, 1, 1] boolean tensor selecting images of the batch. */
function perImageMask(mask: readonly boolean[]): tf.Tensor4D {
  return tf.tensor4d([...mask], [mask.length, 1, 1, 1], 'bool');
}

function assertBatchLength(images: tf.Tensor4D, values: readonly unknown[], what: string): void {
  if (values.length !== images.shape[0]) {
    throw new RangeError(`${what}: ${values.length} parameters for a batch of ${images.shape[0]}`);
  }
}

/** Mirrors left-right the images whose mask entry is true. */
export function flipHorizontal(images: tf.Tensor4D, mask: readonly boolean[]): tf.Tensor4D {
  assertBatchLength(images, mask, 'flipHorizontal');
  return tf.tidy(() => tf.where(perImageMask(mask), tf.reverse(images, 2), images));
}

/** Mirrors top-bottom the images whose mask entry is true. */
export function flipVertical(images: tf.Tensor4D, mask: readonly boolean[]): tf.Tensor4D {
  assertBatchLength(images, mask, 'flipVertical');
  return tf.tidy(() => tf.where(perImageMask(mask), tf.reverse(images, 1), images));
}

/** Rotates each image counter-clockwise by turns[i] x 90 degrees (turns in 0..3). Square images only. */
export function rotate90(images: tf.Tensor4D, turns: readonly number[]): tf.Tensor4D {
  assertBatchLength(images, turns, 'rotate90');
  const [, height, width] = images.shape;
  if (turns.some((t) => t % 2 === 1) && height !== width) {
    throw new RangeError(`90-degree rotations need square images, got ${height}x${width}`);
  }
  const normalised = turns.map((t) => ((t % 4) + 4) % 4);
  return tf.tidy(() => {
    const transposed = () => tf.transpose(images, [0, 2, 1, 3]);
    const rotations: Record<number, () => tf.Tensor4D> = {
      1: () => tf.reverse(transposed(), 1),
      2: () => tf.reverse(images, [1, 2]),
      3: () => tf.reverse(transposed(), 2),
    };
    let out = images;
    for (const k of [1, 2, 3]) {
      if (!normalised.includes(k)) continue;
      out = tf.where(perImageMask(normalised.map((t) => t === k)), rotations[k](), out);
    }
    return out;
  });
}

export interface AffineParams {
  /** Counter-clockwise on screen (y pointing down), about the image centre. */
  angleRadians: number;
  /** Content moves right by this many pixels. */
  shiftX: number;
  /** Content moves down by this many pixels. */
  shiftY: number;
}

/**
 * The projective-transform row that maps each output pixel back to its input position, for a rotation
 * about the centre ((W-1)/2, (H-1)/2) followed by a shift.
 */
export function affineMatrix(params: AffineParams, height: number, width: number): number[] {
  const cos = Math.cos(params.angleRadians);
  const sin = Math.sin(params.angleRadians);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const ox = cx + params.shiftX;
  const oy = cy + params.shiftY;
  return [cos, -sin, cx - cos * ox + sin * oy, sin, cos, cy - sin * ox - cos * oy, 0, 0];
}

/**
 * Rotates and shifts each image with bilinear interpolation; uncovered pixels follow `fill`.
 * 'reflect' is done by mirror-padding the batch (edge repeated) and transforming inside the padded frame,
 * because the wasm backend's Transform kernel (tfjs 4.22) wraps instead of reflecting below coordinate 0.
 * Padding is capped at the image size; beyond it (a large turn of a very elongated image) the edge repeats.
 * Images go through Transform one at a time: the cpu backend's kernel (tfjs 4.22) returns after the first
 * image of a batch and leaves the others at the fill value.
 */
export function affineTransform(
  images: tf.Tensor4D,
  params: readonly AffineParams[],
  fill: FillMode = 'reflect',
): tf.Tensor4D {
  assertBatchLength(images, params, 'affineTransform');
  const [, height, width] = images.shape;
  const rows = params.map((p) => affineMatrix(p, height, width));
  if (fill !== 'reflect') {
    return tf.tidy(() => transformEach(images, rows, fill, [height, width]));
  }
  const { x, y } = overflow(rows, height, width);
  const padX = Math.min(width, Math.ceil(x) + 1);
  const padY = Math.min(height, Math.ceil(y) + 1);
  const shifted = rows.map(([a0, a1, a2, b0, b1, b2, c0, c1]) => [
    a0,
    a1,
    a2 + padX,
    b0,
    b1,
    b2 + padY,
    c0,
    c1,
  ]);
  return tf.tidy(() => {
    const padded = tf.mirrorPad(
      images,
      [
        [0, 0],
        [padY, padY],
        [padX, padX],
        [0, 0],
      ],
      'symmetric',
    );
    return transformEach(padded, shifted, 'nearest', [height, width]);
  });
}

function transformEach(
  images: tf.Tensor4D,
  rows: readonly number[][],
  fill: 'constant' | 'nearest',
  size: [number, number],
): tf.Tensor4D {
  const single = (image: tf.Tensor4D, row: readonly number[]) =>
    tf.image.transform(image, tf.tensor2d([[...row]]), 'bilinear', fill, 0, size);
  if (rows.length === 1) return single(images, rows[0]);
  const parts = tf.split<tf.Tensor4D>(images, rows.length, 0);
  return tf.concat(parts.map((image, i) => single(image, rows[i])));
}

/** How far outside the image (in pixels, per axis) any output pixel samples; affine, so the corners bound it. */
function overflow(rows: readonly number[][], height: number, width: number): { x: number; y: number } {
  let x = 0;
  let y = 0;
  for (const [a0, a1, a2, b0, b1, b2] of rows) {
    for (const [cx, cy] of [
      [0, 0],
      [width - 1, 0],
      [0, height - 1],
      [width - 1, height - 1],
    ]) {
      const sx = a0 * cx + a1 * cy + a2;
      const sy = b0 * cx + b1 * cy + b2;
      x = Math.max(x, -sx, sx - (width - 1));
      y = Math.max(y, -sy, sy - (height - 1));
    }
  }
  return { x, y };
}

/** [y1, x1, y2, x2] in normalised coordinates (0 = first pixel, 1 = last pixel); [0, 0, 1, 1] is the whole image. */
export type CropBox = [number, number, number, number];
export const FULL_IMAGE: CropBox = [0, 0, 1, 1];

/** Crops one box per image and resizes it (bilinear) to `size` (default: the input size). */
export function cropAndResize(
  images: tf.Tensor4D,
  boxes: readonly CropBox[],
  size?: [number, number],
): tf.Tensor4D {
  assertBatchLength(images, boxes, 'cropAndResize');
  const [batch, height, width] = images.shape;
  return tf.tidy(() =>
    tf.image.cropAndResize(
      images,
      tf.tensor2d(boxes.map((b) => [...b])),
      tf.tensor1d(
        Array.from({ length: batch }, (_, i) => i),
        'int32',
      ),
      size ?? [height, width],
      'bilinear',
    ),
  );
}
