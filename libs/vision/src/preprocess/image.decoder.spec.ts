import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { ImageDecodeError } from './image-decode.error';
import { decodeImage, type DecodeOptions } from './image.decoder';
import { craftPngHeader, datasetFile, pixelAt, pseudoRandomBytes, rgbPattern } from './image.fixture';

const CRACK_JPEG = readFileSync(datasetFile('magnetic-tile', 'crack', 'exp1_num_249594.jpg'));
const CRAZING_PNG = readFileSync(datasetFile('neu-cls', 'crazing', 'Cr_1.png'));

async function decodeFailure(bytes: Buffer, options?: DecodeOptions): Promise<ImageDecodeError> {
  const outcome = await decodeImage(bytes, options).then(
    () => new Error('decoded without error'),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ImageDecodeError);
  return outcome as ImageDecodeError;
}

function expectEqualChannels(data: Buffer): void {
  let unequal = 0;
  for (let index = 0; index < data.length; index += 3) {
    if (data[index] !== data[index + 1] || data[index] !== data[index + 2]) unequal += 1;
  }
  expect(unequal).toBe(0);
}

/** Quadrants of pure colours: exact through lossless formats and GIF palettes. */
const QUADRANT_COLOURS = {
  topLeft: [255, 0, 0],
  topRight: [0, 255, 0],
  bottomLeft: [0, 0, 255],
  bottomRight: [255, 255, 255],
} as const;
const QUADRANTS = rgbPattern(8, 6, (x, y) => {
  if (y < 3) return x < 4 ? QUADRANT_COLOURS.topLeft : QUADRANT_COLOURS.topRight;
  return x < 4 ? QUADRANT_COLOURS.bottomLeft : QUADRANT_COLOURS.bottomRight;
});
const quadrantsSharp = () => sharp(QUADRANTS, { raw: { width: 8, height: 6, channels: 3 } });

describe('decodeImage: real dataset files', () => {
  it('decodes a grayscale magnetic-tile JPEG to three equal channels of the original luminance', async () => {
    const metadata = await sharp(CRACK_JPEG).metadata();
    const grey = await sharp(CRACK_JPEG).toColourspace('b-w').raw().toBuffer();
    const decoded = await decodeImage(CRACK_JPEG);

    expect(metadata.channels).toBe(1);
    expect(decoded).toMatchObject({
      format: 'jpeg',
      channels: 3,
      width: metadata.width,
      height: metadata.height,
    });
    expect(decoded.data).toHaveLength(metadata.width * metadata.height * 3);
    expectEqualChannels(decoded.data);
    const firstChannel = Buffer.from(decoded.data.filter((_, index) => index % 3 === 0));
    expect(firstChannel.equals(grey)).toBe(true);
  });

  it('decodes a 200x200 NEU-CLS PNG', async () => {
    const decoded = await decodeImage(CRAZING_PNG);
    expect(decoded).toMatchObject({ format: 'png', width: 200, height: 200, originalWidth: 200 });
    expectEqualChannels(decoded.data);
  });
});

describe('decodeImage: formats generated with sharp', () => {
  it.each([
    ['png', () => quadrantsSharp().png().toBuffer()],
    ['webp', () => quadrantsSharp().webp({ lossless: true }).toBuffer()],
    ['tiff', () => quadrantsSharp().tiff({ compression: 'lzw' }).toBuffer()],
    ['gif', () => quadrantsSharp().gif().toBuffer()],
  ] as const)('decodes %s to the exact pixels', async (format, encode) => {
    const decoded = await decodeImage(await encode());
    expect(decoded).toMatchObject({ format, width: 8, height: 6, channels: 3 });
    expect(decoded.data.equals(QUADRANTS)).toBe(true);
  });

  it('reads only the first frame of an animated GIF', async () => {
    const white = Buffer.alloc(4 * 3 * 3, 255);
    const black = Buffer.alloc(4 * 3 * 3, 0);
    const gif = await sharp(Buffer.concat([white, black]), {
      raw: { width: 4, height: 6, channels: 3, pageHeight: 3 },
    })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);

    const decoded = await decodeImage(gif);
    expect([decoded.width, decoded.height]).toEqual([4, 3]);
    expect(decoded.data.equals(white)).toBe(true);
  });

  it('applies EXIF orientation 6: width and height swap and the left edge becomes the top', async () => {
    const leftRedRightBlue = rgbPattern(16, 8, (x) => (x < 8 ? [255, 0, 0] : [0, 0, 255]));
    const jpeg = await sharp(leftRedRightBlue, { raw: { width: 16, height: 8, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();

    const decoded = await decodeImage(jpeg);
    expect(decoded).toMatchObject({ width: 8, height: 16, originalWidth: 16, originalHeight: 8 });
    const [topR, , topB] = pixelAt(decoded.data, 8, 4, 2);
    const [bottomR, , bottomB] = pixelAt(decoded.data, 8, 4, 13);
    expect(topR).toBeGreaterThan(200);
    expect(topB).toBeLessThan(60);
    expect(bottomB).toBeGreaterThan(200);
    expect(bottomR).toBeLessThan(60);
  });

  it('flattens RGBA onto black', async () => {
    const rgba = Buffer.from([255, 0, 0, 255, 255, 0, 0, 128, 0, 255, 0, 0]);
    const png = await sharp(rgba, { raw: { width: 3, height: 1, channels: 4 } })
      .png()
      .toBuffer();
    const decoded = await decodeImage(png);
    expect([...decoded.data]).toEqual([255, 0, 0, 128, 0, 0, 0, 0, 0]);
  });

  it('flattens grey+alpha onto black and expands it to three channels', async () => {
    const greyAlpha = Buffer.from([200, 128, 50, 255]);
    const png = await sharp(greyAlpha, { raw: { width: 2, height: 1, channels: 2 } })
      .png()
      .toBuffer();
    expect([...(await decodeImage(png)).data]).toEqual([100, 100, 100, 50, 50, 50]);
  });

  it('reduces a 16-bit grayscale PNG to 8 bits per channel', async () => {
    const samples = new Uint16Array([0x8080, 0xffff, 0x0000, 0x1010]);
    const png16 = await sharp(samples, { raw: { width: 2, height: 2, channels: 1 } })
      .toColourspace('grey16')
      .png()
      .toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');

    const decoded = await decodeImage(png16);
    expect([...decoded.data]).toEqual([128, 128, 128, 255, 255, 255, 0, 0, 0, 16, 16, 16]);
  });

  it('converts a CMYK JPEG to RGB', async () => {
    const cmyk = await quadrantsSharp().toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const decoded = await decodeImage(cmyk);
    expect(decoded).toMatchObject({ channels: 3, width: 8, height: 6 });
    expect(decoded.data).toHaveLength(8 * 6 * 3);
  });
});

describe('decodeImage: rejected input', () => {
  it('rejects an empty buffer', async () => {
    expect((await decodeFailure(Buffer.alloc(0))).code).toBe('empty_image');
  });

  it('rejects random bytes as an unsupported format', async () => {
    const error = await decodeFailure(pseudoRandomBytes(4096));
    expect(error.code).toBe('unsupported_format');
    expect(error.message).toMatch(/signature/);
  });

  it('rejects a truncated real JPEG as corrupt', async () => {
    const truncated = CRACK_JPEG.subarray(0, Math.floor(CRACK_JPEG.length / 2));
    expect((await decodeFailure(truncated)).code).toBe('corrupt_image');
  });

  it('rejects a PNG signature followed by garbage as corrupt', async () => {
    const fake = Buffer.concat([CRAZING_PNG.subarray(0, 8), pseudoRandomBytes(256)]);
    expect((await decodeFailure(fake)).code).toBe('corrupt_image');
  });

  it('rejects a 30000x30000 PNG bomb from its header, quickly and without allocating it', async () => {
    const bomb = craftPngHeader(30_000, 30_000);
    expect(bomb.length).toBeLessThan(200);
    const rssBefore = process.memoryUsage().rss;
    const started = performance.now();

    const error = await decodeFailure(bomb);

    expect(error.code).toBe('too_many_pixels');
    expect(error.message).toContain('30000x30000');
    expect(performance.now() - started).toBeLessThan(1000);
    // The decoded image would be 2.7 GB.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it('applies a caller-provided pixel limit to real images', async () => {
    const error = await decodeFailure(CRAZING_PNG, { maxPixels: 200 * 200 - 1 });
    expect(error.code).toBe('too_many_pixels');
    await expect(decodeImage(CRAZING_PNG, { maxPixels: 200 * 200 })).resolves.toMatchObject({ width: 200 });
  });

  it('rejects an invalid pixel limit as a programming error', async () => {
    await expect(decodeImage(CRAZING_PNG, { maxPixels: 0 })).rejects.toThrow(RangeError);
  });
});
