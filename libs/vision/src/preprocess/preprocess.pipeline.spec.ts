import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import sharp from 'sharp';
import { encodeBmp, GRAY_PALETTE } from './bmp.fixture';
import { ImageDecodeError } from './image-decode.error';
import { decodeImage } from './image.decoder';
import { datasetFile, rgbPattern } from './image.fixture';
import { NORMALIZATION_FAMILIES } from './pixel.normalization';
import { InvalidPreprocessSpecError, type PreprocessSpec } from './preprocess-spec.schema';
import { preprocess, preprocessBatch } from './preprocess.pipeline';
import { RESIZE_POLICIES } from './resize.policy';

const CRACK_JPEG = readFileSync(datasetFile('magnetic-tile', 'crack', 'exp1_num_249594.jpg'));
const OK_JPEG = readFileSync(datasetFile('magnetic-tile', 'ok', 'exp0_num_743.jpg'));
const CRAZING_PNG = readFileSync(datasetFile('neu-cls', 'crazing', 'Cr_1.png'));

const SPEC: PreprocessSpec = { inputSize: [48, 64], resize: 'center-crop', normalization: 'resnet' };

const bits = (values: Float32Array): Buffer =>
  Buffer.from(values.buffer, values.byteOffset, values.byteLength);

function expectBitIdentical(actual: Float32Array, expected: Float32Array): void {
  expect(actual).toHaveLength(expected.length);
  expect(bits(actual).equals(bits(expected))).toBe(true);
}

/** Re-encodes decoded RGB pixels in lossless formats: same pixels, different bytes and decoders. */
async function losslessCopies(rgb: Buffer, width: number, height: number): Promise<Record<string, Buffer>> {
  const raw = () => sharp(rgb, { raw: { width, height, channels: 3 } });
  const bmp = encodeBmp({
    width,
    height,
    bitsPerPixel: 24,
    pixel: (x, y) => {
      const offset = (y * width + x) * 3;
      return (rgb[offset] << 16) | (rgb[offset + 1] << 8) | rgb[offset + 2];
    },
  });
  return {
    png: await raw().png().toBuffer(),
    webp: await raw().webp({ lossless: true }).toBuffer(),
    tiff: await raw().tiff({ compression: 'deflate' }).toBuffer(),
    bmp,
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('preprocess', () => {
  it.each(RESIZE_POLICIES)('turns a real JPEG into h*w*3 floats with the %s policy', async (resize) => {
    for (const normalization of NORMALIZATION_FAMILIES) {
      const input = await preprocess(CRACK_JPEG, { inputSize: [32, 40], resize, normalization });
      expect(input).toBeInstanceOf(Float32Array);
      expect(input).toHaveLength(32 * 40 * 3);
      const range = normalization === 'resnet' ? [-2.2, 2.7] : normalization === 'unit' ? [0, 1] : [-1, 1];
      expect(Math.min(...input)).toBeGreaterThanOrEqual(range[0]);
      expect(Math.max(...input)).toBeLessThanOrEqual(range[1]);
    }
  });

  it('keeps the synthetic layout through decode, letterbox and normalisation', async () => {
    const wide = rgbPattern(40, 20, (x) => (x < 20 ? [255, 255, 255] : [0, 0, 255]));
    const png = await sharp(wide, { raw: { width: 40, height: 20, channels: 3 } })
      .png()
      .toBuffer();
    const input = await preprocess(png, { inputSize: [20, 20], resize: 'letterbox', normalization: 'unit' });
    const at = (x: number, y: number) => Array.from(input.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3));
    expect(at(10, 2)).toEqual([0, 0, 0]); // padding
    expect(at(4, 10)).toEqual([1, 1, 1]); // white half
    expect(at(15, 10)).toEqual([0, 0, 1]); // blue half
    expect(at(10, 17)).toEqual([0, 0, 0]); // padding
  });

  it('gives bit-identical tensors for the same pixels in PNG, WebP, TIFF and BMP', async () => {
    const decoded = await decodeImage(CRACK_JPEG);
    const copies = await losslessCopies(decoded.data, decoded.width, decoded.height);
    const fromJpeg = await preprocess(CRACK_JPEG, SPEC);
    for (const [format, bytes] of Object.entries(copies)) {
      expect([format, (await decodeImage(bytes)).format]).toEqual([format, format]);
      expectBitIdentical(await preprocess(bytes, SPEC), fromJpeg);
    }
  });

  it('gives a grayscale NEU PNG and its 8-bit palette BMP the same tensor', async () => {
    const grey = await sharp(CRAZING_PNG).toColourspace('b-w').raw().toBuffer();
    const bmp = encodeBmp({
      width: 200,
      height: 200,
      bitsPerPixel: 8,
      palette: GRAY_PALETTE,
      pixel: (x, y) => grey[y * 200 + x],
    });
    expectBitIdentical(await preprocess(bmp, SPEC), await preprocess(CRAZING_PNG, SPEC));
  });

  it('reads the spec as plain JSON, as stored in a model manifest', async () => {
    const stored = JSON.parse(JSON.stringify(SPEC)) as PreprocessSpec;
    expectBitIdentical(await preprocess(CRAZING_PNG, stored), await preprocess(CRAZING_PNG, SPEC));
  });

  it.each([
    ['an unknown key', { ...SPEC, grayscale: true }],
    ['a zero side', { ...SPEC, inputSize: [0, 64] }],
    ['a fractional side', { ...SPEC, inputSize: [48.5, 64] }],
    ['an unknown family', { ...SPEC, normalization: 'imagenet' }],
    ['an unknown policy', { ...SPEC, resize: 'fit' }],
  ])('rejects a spec with %s', async (_, spec) => {
    await expect(preprocess(CRAZING_PNG, spec as unknown as PreprocessSpec)).rejects.toThrow(
      InvalidPreprocessSpecError,
    );
  });

  it("applies the spec's pixel limit", async () => {
    await expect(preprocess(CRAZING_PNG, { ...SPEC, maxPixels: 1000 })).rejects.toMatchObject({
      code: 'too_many_pixels',
    });
  });
});

describe('preprocessBatch', () => {
  it('stacks exactly what preprocess returns for each image (training and serving share one path)', async () => {
    const images = [CRACK_JPEG, CRAZING_PNG, OK_JPEG, CRACK_JPEG];
    const batch = await preprocessBatch(images, SPEC);
    try {
      expect(batch.shape).toEqual([4, 48, 64, 3]);
      expect(batch.dtype).toBe('float32');
      const values = batch.dataSync() as Float32Array;
      const size = 48 * 64 * 3;
      for (const [index, bytes] of images.entries()) {
        expectBitIdentical(values.subarray(index * size, (index + 1) * size), await preprocess(bytes, SPEC));
      }
      expect(bits(values.subarray(0, size)).equals(bits(values.subarray(size, 2 * size)))).toBe(false);
    } finally {
      batch.dispose();
    }
  });

  it('rejects the batch with the typed error of a bad image', async () => {
    const outcome = await preprocessBatch([CRAZING_PNG, Buffer.from('not an image')], SPEC).catch(
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(ImageDecodeError);
    expect(outcome).toMatchObject({ code: 'unsupported_format' });
  });

  it('returns an empty batch for no images', async () => {
    const batch = await preprocessBatch([], SPEC);
    expect(batch.shape).toEqual([0, 48, 64, 3]);
    batch.dispose();
  });
});
