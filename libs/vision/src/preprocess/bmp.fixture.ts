/** Test helper: writes BMP files byte by byte, so the decoder is tested against bytes we fully control. */
export interface BmpFixture {
  width: number;
  /** Number of rows; stored negative in the header when `topDown`. */
  height: number;
  bitsPerPixel: 1 | 4 | 8 | 16 | 24 | 32;
  /**
   * Stored value of pixel (x, y), y counted from the top: a palette index for <= 8 bpp, otherwise the packed
   * little-endian value (0xRRGGBB for 24 bpp, 0xAARRGGBB for 32 bpp BI_RGB, 0b0RRRRRGGGGGBBBBB for 16 bpp).
   */
  pixel: (x: number, y: number) => number;
  topDown?: boolean;
  compression?: number;
  dibHeaderSize?: 12 | 40 | 108 | 124;
  /** [r, g, b] entries, written as B, G, R, 0. */
  palette?: ReadonlyArray<readonly [number, number, number]>;
  /** Colours used, written to the header (0 = 2^bpp). Defaults to the palette length. */
  colorsUsed?: number;
  /** Red, green, blue masks for BI_BITFIELDS. */
  masks?: readonly [number, number, number];
  /** Drop the padding after the last stored row, as some writers do. */
  omitLastRowPadding?: boolean;
}

export function encodeBmp(fixture: BmpFixture): Buffer {
  const { width, height, bitsPerPixel, pixel } = fixture;
  const dibHeaderSize = fixture.dibHeaderSize ?? 40;
  const compression = fixture.compression ?? 0;
  const palette = fixture.palette ?? [];
  const masks = fixture.masks;
  const extraMasks = dibHeaderSize === 40 && masks !== undefined ? 12 : 0;
  const paletteOffset = 14 + dibHeaderSize + extraMasks;
  const pixelOffset = paletteOffset + palette.length * 4;
  const rowStride = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
  const lastRowBytes = Math.ceil((bitsPerPixel * width) / 8);
  const pixelBytes =
    rowStride * height - (fixture.omitLastRowPadding === true ? rowStride - lastRowBytes : 0);
  const file = Buffer.alloc(pixelOffset + pixelBytes);

  file.write('BM', 0, 'latin1');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(pixelOffset, 10);
  file.writeUInt32LE(dibHeaderSize, 14);
  if (dibHeaderSize === 12) return file; // OS/2 header: only used to test its rejection
  file.writeInt32LE(width, 18);
  file.writeInt32LE(fixture.topDown === true ? -height : height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(bitsPerPixel, 28);
  file.writeUInt32LE(compression, 30);
  file.writeUInt32LE(pixelBytes, 34);
  file.writeUInt32LE(fixture.colorsUsed ?? palette.length, 46);
  if (masks !== undefined) masks.forEach((mask, index) => file.writeUInt32LE(mask >>> 0, 54 + index * 4));
  palette.forEach(([r, g, b], index) => {
    file[paletteOffset + index * 4] = b;
    file[paletteOffset + index * 4 + 1] = g;
    file[paletteOffset + index * 4 + 2] = r;
  });

  for (let y = 0; y < height; y += 1) {
    const storedRow = fixture.topDown === true ? y : height - 1 - y;
    const rowStart = pixelOffset + storedRow * rowStride;
    for (let x = 0; x < width; x += 1) {
      const value = pixel(x, y);
      if (bitsPerPixel <= 8) {
        const bitOffset = x * bitsPerPixel;
        file[rowStart + (bitOffset >> 3)] |= value << (8 - bitsPerPixel - (bitOffset & 7));
      } else {
        const bytes = bitsPerPixel / 8;
        for (let byte = 0; byte < bytes; byte += 1) {
          file[rowStart + x * bytes + byte] = (value >>> (8 * byte)) & 0xff;
        }
      }
    }
  }
  return file;
}

/** Grayscale palette 0..255, the layout of 8-bit BMPs from monochrome industrial cameras. */
export const GRAY_PALETTE: ReadonlyArray<readonly [number, number, number]> = Array.from(
  { length: 256 },
  (_, value) => [value, value, value] as const,
);
