import { encodeBmp, GRAY_PALETTE } from './bmp.fixture';
import { decodeBmp } from './bmp.decoder';
import { ImageDecodeError } from './image-decode.error';
import { decodeImage } from './image.decoder';
import { pixelAt } from './image.fixture';

const LIMIT = 1_000_000;

// 3x2 image with six distinct colours; width 3 at 24 bpp needs 3 bytes of row padding.
const COLOURS = [
  [0xff0000, 0x00ff00, 0x0000ff],
  [0x123456, 0xffffff, 0x000000],
];
const colourAt = (x: number, y: number): number => COLOURS[y][x];
const rgbOf = (packed: number): [number, number, number] => [
  (packed >> 16) & 255,
  (packed >> 8) & 255,
  packed & 255,
];

function expectPixels(
  data: Buffer,
  width: number,
  height: number,
  expected: (x: number, y: number) => number[],
) {
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) expect(pixelAt(data, width, x, y)).toEqual(expected(x, y));
  }
}

function decodeError(run: () => unknown): ImageDecodeError {
  try {
    run();
  } catch (error) {
    if (error instanceof ImageDecodeError) return error;
    throw error;
  }
  throw new Error('expected an ImageDecodeError');
}

describe('decodeBmp', () => {
  it('decodes 24-bit bottom-up rows with padding', () => {
    const image = decodeBmp(encodeBmp({ width: 3, height: 2, bitsPerPixel: 24, pixel: colourAt }), LIMIT);
    expect([image.width, image.height]).toEqual([3, 2]);
    expectPixels(image.data, 3, 2, (x, y) => rgbOf(colourAt(x, y)));
  });

  it('decodes top-down rows (negative height) to the same pixels', () => {
    const bottomUp = decodeBmp(encodeBmp({ width: 3, height: 2, bitsPerPixel: 24, pixel: colourAt }), LIMIT);
    const topDown = decodeBmp(
      encodeBmp({ width: 3, height: 2, bitsPerPixel: 24, pixel: colourAt, topDown: true }),
      LIMIT,
    );
    expectPixels(topDown.data, 3, 2, (x, y) => rgbOf(colourAt(x, y)));
    expect(topDown.data.equals(bottomUp.data)).toBe(true);
  });

  it('decodes an 8-bit grayscale palette to three equal channels', () => {
    const bmp = encodeBmp({
      width: 5,
      height: 3,
      bitsPerPixel: 8,
      palette: GRAY_PALETTE,
      pixel: (x, y) => x * 50 + y,
    });
    const image = decodeBmp(bmp, LIMIT);
    expectPixels(image.data, 5, 3, (x, y) => [x * 50 + y, x * 50 + y, x * 50 + y]);
  });

  it('decodes an 8-bit colour palette with fewer than 256 entries', () => {
    const palette = [
      [10, 20, 30],
      [200, 100, 0],
    ] as const;
    const image = decodeBmp(
      encodeBmp({ width: 3, height: 2, bitsPerPixel: 8, palette, pixel: (x, y) => (x + y) % 2 }),
      LIMIT,
    );
    expectPixels(image.data, 3, 2, (x, y) => [...palette[(x + y) % 2]]);
  });

  it('decodes 1-bit and 4-bit palettes with widths that do not fill a byte', () => {
    const mono = decodeBmp(
      encodeBmp({
        width: 11,
        height: 2,
        bitsPerPixel: 1,
        palette: [
          [0, 0, 0],
          [255, 255, 255],
        ],
        pixel: (x, y) => ((x + y) % 3 === 0 ? 1 : 0),
      }),
      LIMIT,
    );
    expectPixels(mono.data, 11, 2, (x, y) => ((x + y) % 3 === 0 ? [255, 255, 255] : [0, 0, 0]));

    const nibbles = decodeBmp(
      encodeBmp({
        width: 5,
        height: 2,
        bitsPerPixel: 4,
        palette: GRAY_PALETTE.slice(0, 16),
        pixel: (x, y) => x * 3 + y,
      }),
      LIMIT,
    );
    expectPixels(nibbles.data, 5, 2, (x, y) => [x * 3 + y, x * 3 + y, x * 3 + y]);
  });

  it('decodes 32-bit BI_RGB and ignores the (often zero) alpha byte', () => {
    const image = decodeBmp(encodeBmp({ width: 3, height: 2, bitsPerPixel: 32, pixel: colourAt }), LIMIT);
    expectPixels(image.data, 3, 2, (x, y) => rgbOf(colourAt(x, y)));
  });

  it('decodes 32-bit BI_BITFIELDS with a V4 header and non-standard channel order', () => {
    // Stored as 0xBBGGRRAA: red in the second byte, blue in the top byte.
    const masks = [0x0000ff00, 0x00ff0000, 0xff000000] as const;
    const bmp = encodeBmp({
      width: 3,
      height: 2,
      bitsPerPixel: 32,
      compression: 3,
      dibHeaderSize: 108,
      masks,
      pixel: (x, y) => {
        const [r, g, b] = rgbOf(colourAt(x, y));
        return ((b << 24) | (g << 16) | (r << 8) | 0x7f) >>> 0;
      },
    });
    expectPixels(decodeBmp(bmp, LIMIT).data, 3, 2, (x, y) => rgbOf(colourAt(x, y)));
  });

  it('decodes 16-bit 5-5-5 and 5-6-5 (bitfields), scaling to 0..255', () => {
    const rgb555 = decodeBmp(
      encodeBmp({ width: 2, height: 1, bitsPerPixel: 16, pixel: (x) => (x === 0 ? 0x7c00 : (16 << 5) | 31) }),
      LIMIT,
    );
    expect([...rgb555.data]).toEqual([255, 0, 0, 0, Math.round((16 * 255) / 31), 255]);

    const rgb565 = decodeBmp(
      encodeBmp({
        width: 1,
        height: 1,
        bitsPerPixel: 16,
        compression: 3,
        masks: [0xf800, 0x07e0, 0x001f],
        pixel: () => (31 << 11) | (32 << 5) | 0,
      }),
      LIMIT,
    );
    expect([...rgb565.data]).toEqual([255, Math.round((32 * 255) / 63), 0]);
  });

  it('accepts a file whose last row lacks its padding', () => {
    const bmp = encodeBmp({
      width: 3,
      height: 2,
      bitsPerPixel: 24,
      pixel: colourAt,
      omitLastRowPadding: true,
    });
    expectPixels(decodeBmp(bmp, LIMIT).data, 3, 2, (x, y) => rgbOf(colourAt(x, y)));
  });

  it.each([
    [1, 'RLE8'],
    [2, 'RLE4'],
    [4, 'embedded JPEG'],
    [5, 'embedded PNG'],
  ])('rejects compression %i (%s) as unsupported', (compression, name) => {
    const bmp = encodeBmp({
      width: 2,
      height: 2,
      bitsPerPixel: 8,
      palette: GRAY_PALETTE,
      compression,
      pixel: () => 1,
    });
    const error = decodeError(() => decodeBmp(bmp, LIMIT));
    expect(error.code).toBe('unsupported_format');
    expect(error.message).toContain(name);
  });

  it('rejects an OS/2 header as unsupported', () => {
    const bmp = encodeBmp({ width: 2, height: 2, bitsPerPixel: 24, dibHeaderSize: 12, pixel: () => 0 });
    expect(decodeError(() => decodeBmp(bmp, LIMIT)).code).toBe('unsupported_format');
  });

  it('rejects truncated pixel data as corrupt', () => {
    const bmp = encodeBmp({ width: 3, height: 2, bitsPerPixel: 24, pixel: colourAt });
    const error = decodeError(() => decodeBmp(bmp.subarray(0, bmp.length - 6), LIMIT));
    expect(error.code).toBe('corrupt_image');
    expect(error.message).toContain('truncated');
  });

  it('rejects a palette index beyond the palette as corrupt', () => {
    const bmp = encodeBmp({
      width: 2,
      height: 1,
      bitsPerPixel: 8,
      palette: [[1, 2, 3]],
      pixel: (x) => x * 5,
    });
    expect(decodeError(() => decodeBmp(bmp, LIMIT)).code).toBe('corrupt_image');
  });

  it('rejects a zero-size bitmap as empty', () => {
    const bmp = encodeBmp({ width: 0, height: 4, bitsPerPixel: 24, pixel: () => 0 });
    expect(decodeError(() => decodeBmp(bmp, LIMIT)).code).toBe('empty_image');
  });

  it('rejects a header declaring 30000x30000 from the header alone', () => {
    const header = encodeBmp({ width: 1, height: 1, bitsPerPixel: 24, pixel: () => 0 });
    header.writeInt32LE(30_000, 18);
    header.writeInt32LE(-30_000, 22);
    const started = performance.now();
    const error = decodeError(() => decodeBmp(header, 50_000_000));
    expect(error.code).toBe('too_many_pixels');
    expect(error.message).toContain('30000x30000');
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('is what decodeImage uses for BMP bytes', async () => {
    const decoded = await decodeImage(encodeBmp({ width: 3, height: 2, bitsPerPixel: 24, pixel: colourAt }));
    expect(decoded).toMatchObject({ format: 'bmp', width: 3, height: 2, channels: 3, originalWidth: 3 });
    expectPixels(decoded.data, 3, 2, (x, y) => rgbOf(colourAt(x, y)));
  });
});
