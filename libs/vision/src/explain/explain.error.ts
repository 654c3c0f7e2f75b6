/**
 * - `cnn_only`: Grad-CAM needs a spatial feature map that is pooled into the classifier; the model (a ViT)
 *   has none. `gradientTimesInput` explains any model.
 * - `unknown_layer`: no layer of that name in the model.
 * - `unusable_layer`: the layer exists but cannot be a Grad-CAM target (not a 4-D output, applied more than
 *   once, several outputs, or the prediction does not depend on it).
 * - `unsupported_model`: the model has more than one input.
 * - `invalid_input`: the input is not an NHWC batch of the model's input size.
 * - `invalid_class_index`: a class index outside the model's classes, or not one per image.
 */
export type ExplainErrorCode =
  | 'cnn_only'
  | 'unknown_layer'
  | 'unusable_layer'
  | 'unsupported_model'
  | 'invalid_input'
  | 'invalid_class_index';

export class ExplainError extends Error {
  constructor(
    readonly code: ExplainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ExplainError';
  }
}

export function isExplainError(error: unknown, code?: ExplainErrorCode): error is ExplainError {
  return error instanceof ExplainError && (code === undefined || error.code === code);
}
