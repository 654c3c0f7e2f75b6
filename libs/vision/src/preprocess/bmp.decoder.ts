import { ImageDecodeError, tooManyPixels } from './image-decode.error';
import { type RgbImage } from './rgb-image.types';

/**
 * Decoder for uncompressed Windows bitmaps, which sharp (libvips) cannot read.
 *
 * Supported: BITMAPINFOHEADER and its V2–V5 extensions; 1/4/8-bit palette (including 8-bit grayscale),
 * 16-bit (5-5-5), 24-bit and 32-bit BI_RGB; BI_BITFIELDS for 16 and 32 bit; bottom-up and top-down rows.
 * Rejected as `unsupported_format`: RLE4/RLE8, embedded JPEG/PNG, CMYK, alpha bitfields and OS/2 headers.
 *
 * The alpha byte of 32-bit bitmaps is ignored: many writers leave it at zero for opaque images, so honouring it
 * would turn ordinary camera frames black.
 */

const FILE_HEADER_SIZE = 14;
const INFO_HEADER_SIZE = 40;
const SUPPORTED_DIB_HEADER_SIZES = new Set([INFO_HEADER_SIZE, 52, 56, 108, 124]);
// Colour masks sit right after the 40-byte info header: inside it for V2+ headers, as an extra block for V1.
const MASKS_OFFSET = FILE_HEADER_SIZE + INFO_HEADER_SIZE;

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const COMPRESSION_NAMES: Readonly<Record<number, string>> = {
  1: 'RLE8',
  2: 'RLE4',
  4: 'embedded JPEG',
  5: 'embedded PNG',
  6: 'BI_ALPHABITFIELDS',
  11: 'CMYK',
  12: 'CMYK RLE8',
  13: 'CMYK RLE4',
};

interface ChannelMask {
  mask: number;
  shift: number;
  max: number;
}

interface RgbMasks {
  red: ChannelMask;
  green: ChannelMask;
  blue: ChannelMask;
}

export interface BmpHeader {
  width: number;
  height: number;
  topDown: boolean;
  bitsPerPixel: number;
  pixelOffset: number;
  rowStride: number;
  /** Palette entries as [r, g, b] triples, only for bit depths up to 8. */
  palette: Uint8Array | null;
  paletteSize: number;
  /** Channel masks for 16- and 32-bit pixels. */
  masks: RgbMasks | null;
}

const corrupt = (reason: string): ImageDecodeError =>
  new ImageDecodeError('corrupt_image', `corrupt BMP: ${reason}`);
const unsupported = (reason: string): ImageDecodeError =>
  new ImageDecodeError('unsupported_format', `unsupported BMP variant: ${reason}`);

function channelMask(mask: number, name: string): ChannelMask {
  if (mask === 0) return { mask: 0, shift: 0, max: 1 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift += 1;
  const bits = mask >>> shift;
  // Contiguous ones are one less than a power of two.
  if ((bits & (bits + 1)) !== 0) throw corrupt(`${name} mask 0x${mask.toString(16)} is not contiguous`);
  return { mask, shift, max: bits };
}

function readMasks(bytes: Buffer, bitsPerPixel: number, compression: number): RgbMasks | null {
  if (bitsPerPixel !== 16 && bitsPerPixel !== 32) return null;
  if (compression === BI_RGB) {
    return bitsPerPixel === 16
      ? {
          red: channelMask(0x7c00, 'red'),
          green: channelMask(0x03e0, 'green'),
          blue: channelMask(0x001f, 'blue'),
        }
      : {
          red: channelMask(0xff0000, 'red'),
          green: channelMask(0xff00, 'green'),
          blue: channelMask(0xff, 'blue'),
        };
  }
  if (bytes.length < MASKS_OFFSET + 12) throw corrupt('truncated colour masks');
  return {
    red: channelMask(bytes.readUInt32LE(MASKS_OFFSET), 'red'),
    green: channelMask(bytes.readUInt32LE(MASKS_OFFSET + 4), 'green'),
    blue: channelMask(bytes.readUInt32LE(MASKS_OFFSET + 8), 'blue'),
  };
}

function readPalette(
  bytes: Buffer,
  paletteOffset: number,
  bitsPerPixel: number,
  colorsUsed: number,
): { palette: Uint8Array; paletteSize: number } {
  const maxColors = 1 << bitsPerPixel;
  const paletteSize = colorsUsed === 0 ? maxColors : Math.min(colorsUsed, maxColors);
  if (paletteOffset + paletteSize * 4 > bytes.length) throw corrupt('truncated colour palette');
  const palette = new Uint8Array(paletteSize * 3);
  for (let index = 0; index < paletteSize; index += 1) {
    const entry = paletteOffset + index * 4; // stored as B, G, R, reserved
    palette[index * 3] = bytes[entry + 2];
    palette[index * 3 + 1] = bytes[entry + 1];
    palette[index * 3 + 2] = bytes[entry];
  }
  return { palette, paletteSize };
}

/** Parses and validates the headers without touching pixel data. */
export function readBmpHeader(bytes: Buffer): BmpHeader {
  if (bytes.length < FILE_HEADER_SIZE + 4 || bytes[0] !== 0x42 || bytes[1] !== 0x4d)
    throw corrupt('missing header');
  const pixelOffset = bytes.readUInt32LE(10);
  const dibHeaderSize = bytes.readUInt32LE(14);
  if (!SUPPORTED_DIB_HEADER_SIZES.has(dibHeaderSize)) {
    throw unsupported(`DIB header of ${dibHeaderSize} bytes (OS/2 or unknown)`);
  }
  if (bytes.length < FILE_HEADER_SIZE + dibHeaderSize) throw corrupt('truncated DIB header');

  const width = bytes.readInt32LE(18);
  const signedHeight = bytes.readInt32LE(22);
  const planes = bytes.readUInt16LE(26);
  const bitsPerPixel = bytes.readUInt16LE(28);
  const compression = bytes.readUInt32LE(30);
  const colorsUsed = bytes.readUInt32LE(46);

  if (planes !== 1) throw corrupt(`${planes} colour planes`);
  if (width < 0) throw corrupt(`negative width ${width}`);
  const compressionName = COMPRESSION_NAMES[compression];
  if (compressionName !== undefined) throw unsupported(`${compressionName} compression`);
  if (compression !== BI_RGB && compression !== BI_BITFIELDS)
    throw corrupt(`unknown compression ${compression}`);
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) throw corrupt(`${bitsPerPixel} bits per pixel`);
  if (compression === BI_BITFIELDS && bitsPerPixel !== 16 && bitsPerPixel !== 32) {
    throw corrupt(`BI_BITFIELDS with ${bitsPerPixel} bits per pixel`);
  }

  const masks = readMasks(bytes, bitsPerPixel, compression);
  const hasMaskBlock = dibHeaderSize === INFO_HEADER_SIZE && compression === BI_BITFIELDS;
  const paletteOffset = FILE_HEADER_SIZE + dibHeaderSize + (hasMaskBlock ? 12 : 0);
  const { palette, paletteSize } =
    bitsPerPixel <= 8
      ? readPalette(bytes, paletteOffset, bitsPerPixel, colorsUsed)
      : { palette: null, paletteSize: 0 };
  if (pixelOffset < FILE_HEADER_SIZE + dibHeaderSize)
    throw corrupt(`pixel data offset ${pixelOffset} inside header`);

  return {
    width,
    height: Math.abs(signedHeight),
    topDown: signedHeight < 0,
    bitsPerPixel,
    pixelOffset,
    rowStride: Math.floor((bitsPerPixel * width + 31) / 32) * 4,
    palette,
    paletteSize,
    masks,
  };
}

function scaleChannel(pixel: number, channel: ChannelMask): number {
  if (channel.mask === 0) return 0;
  const value = (pixel & channel.mask) >>> channel.shift;
  return channel.max === 255 ? value : Math.round((value * 255) / channel.max);
}

function decodePaletteRow(
  bytes: Buffer,
  header: BmpHeader,
  palette: Uint8Array,
  rowStart: number,
  out: Buffer,
  outStart: number,
): void {
  const { width, bitsPerPixel, paletteSize } = header;
  const indexMask = (1 << bitsPerPixel) - 1;
  for (let x = 0; x < width; x += 1) {
    let index: number;
    if (bitsPerPixel === 8) {
      index = bytes[rowStart + x];
    } else {
      const bitOffset = x * bitsPerPixel;
      index = (bytes[rowStart + (bitOffset >> 3)] >> (8 - bitsPerPixel - (bitOffset & 7))) & indexMask;
    }
    if (index >= paletteSize) throw corrupt(`palette index ${index} outside a ${paletteSize}-colour palette`);
    const target = outStart + x * 3;
    out[target] = palette[index * 3];
    out[target + 1] = palette[index * 3 + 1];
    out[target + 2] = palette[index * 3 + 2];
  }
}

function decodeBgrRow(bytes: Buffer, width: number, rowStart: number, out: Buffer, outStart: number): void {
  for (let x = 0; x < width; x += 1) {
    const source = rowStart + x * 3;
    const target = outStart + x * 3;
    out[target] = bytes[source + 2];
    out[target + 1] = bytes[source + 1];
    out[target + 2] = bytes[source];
  }
}

function decodeMaskedRow(
  bytes: Buffer,
  header: BmpHeader,
  masks: RgbMasks,
  rowStart: number,
  out: Buffer,
  outStart: number,
): void {
  const { width, bitsPerPixel } = header;
  for (let x = 0; x < width; x += 1) {
    const pixel =
      bitsPerPixel === 16 ? bytes.readUInt16LE(rowStart + x * 2) : bytes.readUInt32LE(rowStart + x * 4);
    const target = outStart + x * 3;
    out[target] = scaleChannel(pixel, masks.red);
    out[target + 1] = scaleChannel(pixel, masks.green);
    out[target + 2] = scaleChannel(pixel, masks.blue);
  }
}

function decodeRow(bytes: Buffer, header: BmpHeader, rowStart: number, out: Buffer, outStart: number): void {
  if (header.palette !== null) decodePaletteRow(bytes, header, header.palette, rowStart, out, outStart);
  else if (header.masks !== null) decodeMaskedRow(bytes, header, header.masks, rowStart, out, outStart);
  else decodeBgrRow(bytes, header.width, rowStart, out, outStart);
}

/**
 * Decodes a BMP into RGB. The pixel limit and the file length are checked against the header before the
 * output buffer is allocated, so a lying header costs nothing.
 */
export function decodeBmp(bytes: Buffer, maxPixels: number): RgbImage {
  const header = readBmpHeader(bytes);
  const { width, height, topDown, pixelOffset, rowStride, bitsPerPixel } = header;
  if (width === 0 || height === 0)
    throw new ImageDecodeError('empty_image', `BMP has no pixels (${width}x${height})`);
  if (width * height > maxPixels) throw tooManyPixels(width, height, maxPixels);
  // The last row's padding is often omitted by writers, so only its pixel bytes are required.
  const lastRowBytes = Math.ceil((bitsPerPixel * width) / 8);
  if (pixelOffset + rowStride * (height - 1) + lastRowBytes > bytes.length) {
    throw corrupt(
      `pixel data truncated (${bytes.length} bytes for ${width}x${height} at ${bitsPerPixel} bpp)`,
    );
  }

  const data = Buffer.allocUnsafeSlow(width * height * 3); // every byte is written below; unpooled like sharp output
  for (let y = 0; y < height; y += 1) {
    const storedRow = topDown ? y : height - 1 - y;
    decodeRow(bytes, header, pixelOffset + storedRow * rowStride, data, y * width * 3);
  }
  return { data, width, height };
}
