/** Image container formats the product accepts from cameras and uploads. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'gif' | 'bmp';

export const IMAGE_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'webp', 'tiff', 'gif', 'bmp'];

/** Canonical media type of each format, for comparing against a declared `Content-Type`. */
export const IMAGE_FORMAT_MEDIA_TYPES: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  tiff: 'image/tiff',
  gif: 'image/gif',
  bmp: 'image/bmp',
};

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((value, index) => bytes[offset + index] === value);
}

const ascii = (text: string): number[] => Array.from(text, (char) => char.charCodeAt(0));

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
const GIF87_SIGNATURE = ascii('GIF87a');
const GIF89_SIGNATURE = ascii('GIF89a');
const RIFF_SIGNATURE = ascii('RIFF');
const WEBP_SIGNATURE = ascii('WEBP');
// Classic TIFF (42) and BigTIFF (43), little- and big-endian.
const TIFF_SIGNATURES = [
  [0x49, 0x49, 0x2a, 0x00],
  [0x4d, 0x4d, 0x00, 0x2a],
  [0x49, 0x49, 0x2b, 0x00],
  [0x4d, 0x4d, 0x00, 0x2b],
];
const BMP_SIGNATURE = ascii('BM');
// "BM" alone is too weak a signature (any text may start with it), so the DIB header size that follows the
// 14-byte file header must also be one of the sizes defined for BMP / OS/2 bitmaps.
const BMP_DIB_HEADER_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

function isBmp(bytes: Uint8Array): boolean {
  if (!startsWith(bytes, BMP_SIGNATURE) || bytes.length < 18) return false;
  const dibHeaderSize = bytes[14] | (bytes[15] << 8) | (bytes[16] << 16) | (bytes[17] << 24);
  return BMP_DIB_HEADER_SIZES.has(dibHeaderSize);
}

/**
 * Identifies the real format of an image from its magic numbers, ignoring whatever type was declared.
 * Reads at most the first 18 bytes; returns null for anything that is not one of `IMAGE_FORMATS`.
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, JPEG_SIGNATURE)) return 'jpeg';
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, GIF87_SIGNATURE) || startsWith(bytes, GIF89_SIGNATURE)) return 'gif';
  if (startsWith(bytes, RIFF_SIGNATURE) && startsWith(bytes, WEBP_SIGNATURE, 8)) return 'webp';
  if (TIFF_SIGNATURES.some((signature) => startsWith(bytes, signature))) return 'tiff';
  if (isBmp(bytes)) return 'bmp';
  return null;
}

/**
 * Maps a declared content type (parameters and case ignored, common aliases accepted) to a format,
 * or null when it names none of ours.
 */
export function imageFormatFromMediaType(contentType: string): ImageFormat | null {
  const mediaType = contentType.split(';')[0].trim().toLowerCase();
  switch (mediaType) {
    case 'image/jpeg':
    case 'image/jpg':
    case 'image/pjpeg':
      return 'jpeg';
    case 'image/png':
      return 'png';
    case 'image/webp':
      return 'webp';
    case 'image/tiff':
    case 'image/tiff-fx':
      return 'tiff';
    case 'image/gif':
      return 'gif';
    case 'image/bmp':
    case 'image/x-bmp':
    case 'image/x-ms-bmp':
      return 'bmp';
    default:
      return null;
  }
}
