/**
 * Why an image could not be decoded. Every code is the client's fault, so the API maps each one to a 4xx:
 * `empty_image` / `corrupt_image` → 400 or 422, `unsupported_format` → 415, `too_many_pixels` → 413.
 */
export type ImageDecodeErrorCode = 'empty_image' | 'unsupported_format' | 'corrupt_image' | 'too_many_pixels';

export class ImageDecodeError extends Error {
  constructor(
    readonly code: ImageDecodeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImageDecodeError';
  }
}

export function isImageDecodeError(error: unknown): error is ImageDecodeError {
  return error instanceof ImageDecodeError;
}

export function tooManyPixels(width: number, height: number, maxPixels: number): ImageDecodeError {
  return new ImageDecodeError(
    'too_many_pixels',
    `image declares ${width}x${height} = ${width * height} pixels, above the limit of ${maxPixels}`,
  );
}
