import { createHash } from 'node:crypto';
// Deep imports: the preprocess index also exports the tensor pipeline, and the API must load no TensorFlow.js.
import { isImageDecodeError } from '@linescope/vision/preprocess/image-decode.error';
import { decodeImage } from '@linescope/vision/preprocess/image.decoder';
import {
  IMAGE_FORMAT_MEDIA_TYPES,
  type ImageFormat,
  imageFormatFromMediaType,
  sniffImageFormat,
} from '@linescope/vision/preprocess/image-format.sniff';
import { ApiError } from '../errors/api-error';
import { imageEnd } from './image-end';

export interface ValidatedImage {
  format: ImageFormat;
  width: number;
  height: number;
  sha256: string;
  contentType: string;
}

const STATUS_BY_DECODE_ERROR = {
  empty_image: 400,
  corrupt_image: 422,
  unsupported_format: 415,
  too_many_pixels: 413,
} as const;

/**
 * Checks an uploaded image before anything is stored: the bytes must be the format the client declared, and must
 * decode completely within the pixel limit (a truncated or corrupt file, or a decompression bomb, is refused).
 */
export async function validateImage(
  bytes: Buffer,
  declaredType: string | undefined,
  maxPixels: number,
): Promise<ValidatedImage> {
  if (bytes.length === 0) throw new ApiError(400, 'empty_image', 'the image is empty');
  const sniffed = sniffImageFormat(bytes);
  if (!sniffed)
    throw new ApiError(
      415,
      'unsupported_format',
      'the bytes are not a JPEG, PNG, WebP, TIFF, GIF or BMP image',
    );
  const declared = declaredType ? imageFormatFromMediaType(declaredType) : null;
  if (declaredType && !isGeneric(declaredType) && declared !== sniffed) {
    throw new ApiError(
      415,
      'content_type_mismatch',
      `declared ${declaredType} but the bytes are ${IMAGE_FORMAT_MEDIA_TYPES[sniffed]}`,
      { declared: declaredType, detected: IMAGE_FORMAT_MEDIA_TYPES[sniffed] },
    );
  }
  refuseTrailingData(bytes, sniffed);
  try {
    const decoded = await decodeImage(bytes, { maxPixels });
    return {
      format: sniffed,
      width: decoded.width,
      height: decoded.height,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      contentType: IMAGE_FORMAT_MEDIA_TYPES[sniffed],
    };
  } catch (error) {
    if (isImageDecodeError(error))
      throw new ApiError(STATUS_BY_DECODE_ERROR[error.code], error.code, error.message);
    throw error;
  }
}

/**
 * Bytes after the image's end are refused, not stored: the object store keeps exactly the image that was scored,
 * and a file that is also a ZIP (or a script) is never served back as image/jpeg. Cameras write nothing after EOI.
 */
function refuseTrailingData(bytes: Buffer, format: ImageFormat): void {
  const end = imageEnd(bytes, format);
  if (end !== null && end < bytes.length)
    throw new ApiError(
      422,
      'trailing_data',
      `${bytes.length - end} bytes follow the end of the ${format.toUpperCase()} image; send the image alone`,
      { imageBytes: end, trailingBytes: bytes.length - end },
    );
}

/** Multipart parts often arrive as application/octet-stream: trust the bytes then. */
function isGeneric(contentType: string): boolean {
  return /^application\/octet-stream\b/i.test(contentType);
}
