import { HttpException } from '@nestjs/common';
import { type ImageDecodeErrorCode, isImageDecodeError } from '@linescope/vision/preprocess';
import { ModelUnavailableError, NoModelError, UnknownLineError } from '../scoring/scoring.errors';

/** The body of every error this service answers: the API reads `error` as a code. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

export function httpError(statusCode: number, error: string, message: string): HttpException {
  return new HttpException({ statusCode, error, message } satisfies ErrorBody, statusCode);
}

const DECODE_STATUS: Record<ImageDecodeErrorCode, number> = {
  empty_image: 400,
  corrupt_image: 422,
  unsupported_format: 415,
  too_many_pixels: 413,
};

/** A scoring failure as the HTTP answer it deserves; anything unexpected is left to Nest (500). */
export function toHttpError(error: unknown): unknown {
  if (isImageDecodeError(error)) return httpError(DECODE_STATUS[error.code], error.code, error.message);
  if (error instanceof NoModelError || error instanceof ModelUnavailableError) {
    return httpError(503, error.code, error.message);
  }
  if (error instanceof UnknownLineError) return httpError(404, error.code, error.message);
  return error;
}
