import { z } from 'zod';
import { NORMALIZATION_FAMILIES, type NormalizationFamily } from './pixel.normalization';
import { RESIZE_POLICIES, type ResizePolicy } from './resize.policy';

/**
 * Everything that turns image bytes into a model input. Plain JSON, stored in each model's manifest, so the
 * trainer and the inference service read the very same spec.
 */
export interface PreprocessSpec {
  /** [height, width] of the model input. */
  inputSize: [number, number];
  resize: ResizePolicy;
  normalization: NormalizationFamily;
  /** Decompression-bomb guard; `DEFAULT_MAX_PIXELS` when absent. */
  maxPixels?: number;
}

export const MAX_INPUT_SIDE = 4096;

const side = z.number().int().min(1).max(MAX_INPUT_SIDE);

/**
 * Strict: an unknown key is rejected rather than ignored, because a server silently ignoring a preprocessing
 * option added later would feed the model different tensors than it was trained on.
 */
export const preprocessSpecSchema: z.ZodType<PreprocessSpec> = z
  .object({
    inputSize: z.tuple([side, side]),
    resize: z.enum(RESIZE_POLICIES as [ResizePolicy, ...ResizePolicy[]]),
    normalization: z.enum(NORMALIZATION_FAMILIES as [NormalizationFamily, ...NormalizationFamily[]]),
    maxPixels: z.number().int().positive().optional(),
  })
  .strict();

export class InvalidPreprocessSpecError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid preprocessing spec: ${issues.join('; ')}`);
    this.name = 'InvalidPreprocessSpecError';
  }
}

/** Formats zod issues as `path: message` lines. */
function describeIssues(error: z.ZodError): string[] {
  return error.issues.map(
    (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`,
  );
}

export function parsePreprocessSpec(value: unknown): PreprocessSpec {
  const result = preprocessSpecSchema.safeParse(value);
  if (!result.success) throw new InvalidPreprocessSpecError(describeIssues(result.error));
  return result.data;
}

/** Shape of one preprocessed image: [height, width, 3]. */
export function inputShapeOf(spec: PreprocessSpec): [number, number, 3] {
  return [spec.inputSize[0], spec.inputSize[1], 3];
}
