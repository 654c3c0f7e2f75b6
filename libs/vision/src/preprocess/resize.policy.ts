import sharp from 'sharp';
import { type RgbImage } from './rgb-image.types';

/**
 * - `squash`: stretch to exactly HxW, aspect ratio not kept, nothing lost.
 * - `letterbox`: scale to fit inside HxW keeping the aspect ratio, pad the rest with `LETTERBOX_PAD_VALUE`.
 * - `center-crop`: scale so the shorter side fills the target, then cut the centre.
 */
export type ResizePolicy = 'squash' | 'letterbox' | 'center-crop';

export const RESIZE_POLICIES: readonly ResizePolicy[] = ['squash', 'letterbox', 'center-crop'];

/**
 * One interpolation everywhere: libvips bilinear ('linear'), whose kernel is widened when shrinking so
 * downscaling is antialiased. Unlike lanczos/cubic it never overshoots, so a thin bright crack cannot create a
 * dark ringing halo the model would learn from.
 */
export const RESIZE_KERNEL = 'linear' as const;

/** Letterbox padding: black, the same value transparent pixels are flattened onto. */
export const LETTERBOX_PAD_VALUE = 0;

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface ResizePlan {
  /** Size the whole source image is scaled to. */
  scaledWidth: number;
  scaledHeight: number;
  /** `center-crop`: region of the scaled image that is kept. */
  crop: Rect | null;
  /** `letterbox`: where the scaled image sits inside the output. */
  placement: Rect | null;
}

/** Pure geometry of each policy; centred offsets round down (extra pixel goes right/bottom). */
export function planResize(
  sourceWidth: number,
  sourceHeight: number,
  [targetHeight, targetWidth]: readonly [number, number],
  policy: ResizePolicy,
): ResizePlan {
  switch (policy) {
    case 'squash':
      return { scaledWidth: targetWidth, scaledHeight: targetHeight, crop: null, placement: null };
    case 'letterbox': {
      const scale = Math.min(targetWidth / sourceWidth, targetHeight / sourceHeight);
      const width = clamp(Math.round(sourceWidth * scale), 1, targetWidth);
      const height = clamp(Math.round(sourceHeight * scale), 1, targetHeight);
      const left = Math.floor((targetWidth - width) / 2);
      const top = Math.floor((targetHeight - height) / 2);
      return {
        scaledWidth: width,
        scaledHeight: height,
        crop: null,
        placement: { left, top, width, height },
      };
    }
    case 'center-crop': {
      const scale = Math.max(targetWidth / sourceWidth, targetHeight / sourceHeight);
      const width = Math.max(targetWidth, Math.round(sourceWidth * scale));
      const height = Math.max(targetHeight, Math.round(sourceHeight * scale));
      const left = Math.floor((width - targetWidth) / 2);
      const top = Math.floor((height - targetHeight) / 2);
      return {
        scaledWidth: width,
        scaledHeight: height,
        crop: { left, top, width: targetWidth, height: targetHeight },
        placement: null,
      };
    }
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** Applies a policy to decoded RGB pixels; the output is exactly `[height, width]` of the target. */
export async function resizeRgb(
  image: RgbImage,
  targetSize: readonly [number, number],
  policy: ResizePolicy,
): Promise<RgbImage> {
  const plan = planResize(image.width, image.height, targetSize, policy);
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).resize(
    plan.scaledWidth,
    plan.scaledHeight,
    { fit: 'fill', kernel: RESIZE_KERNEL },
  );
  if (plan.crop !== null) pipeline = pipeline.extract(plan.crop);
  if (plan.placement !== null) {
    const [targetHeight, targetWidth] = targetSize;
    const { left, top, width, height } = plan.placement;
    pipeline = pipeline.extend({
      left,
      top,
      right: targetWidth - width - left,
      bottom: targetHeight - height - top,
      background: { r: LETTERBOX_PAD_VALUE, g: LETTERBOX_PAD_VALUE, b: LETTERBOX_PAD_VALUE },
    });
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
