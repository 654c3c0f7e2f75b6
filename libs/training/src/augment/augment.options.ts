import { z } from 'zod';

const probability = z
  .number()
  .min(0)
  .max(1)
  .describe('Probability of applying it to an image (batch for mixup/cutmix)');
const range = z
  .tuple([z.number(), z.number()])
  .refine(([low, high]) => low <= high, { message: 'range must be [low, high] with low <= high' });

/**
 * Which augmentations are on, per dataset, as plain JSON. Everything is off by default: a flip or a rotation
 * is only valid when the product looks the same mirrored or turned (a part bearing text or an oriented
 * feature does not). `p` is the per-image probability of applying the operation.
 * Pixel values are expected in [0, pixelMax] (default 255, raw pixels before model normalisation); every
 * photometric amount is a fraction of pixelMax, and the output is clipped back to [0, pixelMax].
 */
export const augmentOptionsSchema = z
  .object({
    pixelMax: z.number().positive().optional().describe('Largest pixel value (default 255)'),
    /**
     * How rotations and shifts fill the pixels they uncover: mirror image with the edge repeated ('reflect',
     * default), the edge pixel ('nearest'), or 0 ('constant'). No 'wrap': tfjs 4.22 samples it wrongly at the border.
     */
    fill: z
      .enum(['constant', 'reflect', 'nearest'])
      .optional()
      .describe('How rotations and shifts fill uncovered pixels (default reflect)'),
    horizontalFlip: z.object({ p: probability }).strict().optional().describe('Mirror left-right'),
    verticalFlip: z.object({ p: probability }).strict().optional().describe('Mirror top-bottom'),
    /** Quarter turns by 90, 180 or 270 degrees (uniformly); square images only. */
    rotate90: z.object({ p: probability }).strict().optional().describe('Quarter turns (square inputs only)'),
    /** Rotation by an angle uniform in [-maxDegrees, maxDegrees] about the image centre. */
    rotation: z
      .object({ p: probability, maxDegrees: z.number().min(0).max(180).describe('Largest angle, degrees') })
      .strict()
      .optional(),
    /** Translation by up to maxFraction of the width / height in each direction. */
    shift: z
      .object({
        p: probability,
        maxFraction: z.number().min(0).max(0.5).describe('Largest shift, fraction of the side'),
      })
      .strict()
      .optional(),
    /** Crop of `scale` of the area with aspect ratio in `ratio` (log-uniform), resized to the input size. */
    resizedCrop: z
      .object({
        p: probability,
        scale: range
          .refine(([low, high]) => low > 0 && high <= 1, { message: 'scale must lie in (0, 1]' })
          .describe('[low, high] share of the area kept'),
        ratio: range
          .refine(([low]) => low > 0, { message: 'ratio must be positive' })
          .describe('[low, high] aspect ratio of the crop'),
      })
      .strict()
      .optional(),
    /** Adds a delta uniform in [-maxDelta, maxDelta] x pixelMax. */
    brightness: z
      .object({
        p: probability,
        maxDelta: z.number().min(0).max(1).describe('Largest change, fraction of pixelMax'),
      })
      .strict()
      .optional(),
    /** Scales the distance from the image mean by a factor uniform in `range`. */
    contrast: z
      .object({
        p: probability,
        range: range
          .refine(([low]) => low >= 0, { message: 'factor must be >= 0' })
          .describe('[low, high] contrast factor'),
      })
      .strict()
      .optional(),
    /** Adds gaussian noise of standard deviation std x pixelMax. */
    noise: z
      .object({
        p: probability,
        std: z.number().min(0).max(1).describe('Standard deviation, fraction of pixelMax'),
      })
      .strict()
      .optional(),
    /**
     * Batch-level mixing (DeiT's recipe; see batch.mixing.ts): with probability p a batch is blended with a
     * shuffled copy of itself (mixup) or gets a box pasted from it (cutmix), the labels mixed in proportion,
     * lambda ~ Beta(alpha, alpha). With both on, each batch draws one of the two.
     */
    mixup: z
      .object({
        p: probability,
        alpha: z.number().positive().describe('Beta(alpha, alpha) of the mixing weight'),
      })
      .strict()
      .optional()
      .describe('Blend batches with a shuffled copy'),
    cutmix: z
      .object({
        p: probability,
        alpha: z.number().positive().describe('Beta(alpha, alpha) of the pasted area'),
      })
      .strict()
      .optional()
      .describe('Paste boxes from a shuffled copy'),
  })
  .strict();

export type AugmentOptions = z.infer<typeof augmentOptionsSchema>;
export type FillMode = NonNullable<AugmentOptions['fill']>;

/** Validates untrusted JSON into AugmentOptions; throws a ZodError listing every problem. */
export function parseAugmentOptions(json: unknown): AugmentOptions {
  return augmentOptionsSchema.parse(json);
}
