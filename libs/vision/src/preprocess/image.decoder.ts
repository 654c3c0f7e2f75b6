import sharp, { type Sharp } from 'sharp';
import { decodeBmp } from './bmp.decoder';
import { ImageDecodeError, tooManyPixels } from './image-decode.error';
import { type ImageFormat, sniffImageFormat } from './image-format.sniff';
import { type RgbImage } from './rgb-image.types';

/** 50 megapixels: above any area-scan camera on the line (8K x 6K), far below what would exhaust memory. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/**
 * Transparent pixels are composited onto black. Inspection images are opaque in practice; when alpha does
 * occur (a PNG export with a cut-out background) black keeps "nothing there" dark, the same value letterbox
 * padding uses (see `LETTERBOX_PAD_VALUE`).
 */
export const ALPHA_BACKGROUND = { r: 0, g: 0, b: 0 } as const;

export interface DecodeOptions {
  /** Largest width*height accepted, checked from the header before any pixel is decoded. */
  maxPixels?: number;
}

export interface DecodedImage extends RgbImage {
  /** Format sniffed from the bytes, not the declared one. */
  format: ImageFormat;
  channels: 3;
  /** Dimensions stored in the file, before EXIF orientation (width/height are after it). */
  originalWidth: number;
  originalHeight: number;
}

/**
 * Decodes any accepted image to 8-bit RGB, HWC: EXIF orientation applied, first frame/page only, grayscale
 * expanded to three equal channels, 16-bit samples reduced to 8, alpha flattened onto `ALPHA_BACKGROUND`.
 * Failures are `ImageDecodeError`s.
 */
export async function decodeImage(bytes: Buffer, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isInteger(maxPixels) || maxPixels <= 0) {
    throw new RangeError(`maxPixels must be a positive integer, got ${maxPixels}`);
  }
  if (bytes.length === 0) throw new ImageDecodeError('empty_image', 'image is empty (0 bytes)');
  const format = sniffImageFormat(bytes);
  if (format === null) {
    throw new ImageDecodeError(
      'unsupported_format',
      'not a JPEG, PNG, WebP, TIFF, GIF or BMP image (unrecognised file signature)',
    );
  }
  if (format === 'bmp') {
    const image = decodeBmp(bytes, maxPixels);
    return { ...image, format, channels: 3, originalWidth: image.width, originalHeight: image.height };
  }
  return decodeWithSharp(bytes, format, maxPixels);
}

async function decodeWithSharp(bytes: Buffer, format: ImageFormat, maxPixels: number): Promise<DecodedImage> {
  // failOn 'warning' (sharp's default, stated on purpose): a truncated JPEG is rejected rather than decoded with a
  // grey band that a model could call a defect. Only the first page/frame of TIFF and GIF is read.
  const open = (limitInputPixels: number | false): Sharp =>
    sharp(bytes, { limitInputPixels, failOn: 'warning', pages: 1, page: 0 });

  // Reading metadata parses the header only; sharp's own limit is left to the decode below so that our check,
  // which names the declared size, answers first.
  const metadata = await open(false)
    .metadata()
    .catch((error: unknown) => {
      throw translateSharpError(error, format);
    });
  if (metadata.format !== format) {
    throw new ImageDecodeError('corrupt_image', `${format} signature but decoder found ${metadata.format}`);
  }
  const { width, height } = metadata;
  if (width === 0 || height === 0)
    throw new ImageDecodeError('empty_image', `image has no pixels (${width}x${height})`);
  if (width * height > maxPixels) throw tooManyPixels(width, height, maxPixels);

  const { data, info } = await open(maxPixels)
    .autoOrient()
    .flatten({ background: ALPHA_BACKGROUND })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw translateSharpError(error, format);
    });
  if (info.channels !== 3) {
    throw new ImageDecodeError(
      'unsupported_format',
      `${format} decoded to ${info.channels} channels, expected 3`,
    );
  }
  return {
    data,
    width: info.width,
    height: info.height,
    format,
    channels: 3,
    originalWidth: width,
    originalHeight: height,
  };
}

function translateSharpError(error: unknown, format: ImageFormat): ImageDecodeError {
  const message = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(message)) {
    return new ImageDecodeError('too_many_pixels', `image exceeds the pixel limit: ${message}`, {
      cause: error,
    });
  }
  if (/unsupported image format/i.test(message)) {
    return new ImageDecodeError('unsupported_format', `${format} variant not supported: ${message}`, {
      cause: error,
    });
  }
  return new ImageDecodeError('corrupt_image', `corrupt ${format} image: ${firstLine(message)}`, {
    cause: error,
  });
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}
