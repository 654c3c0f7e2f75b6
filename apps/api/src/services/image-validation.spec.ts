import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { datasetImages } from '../../../../test/support/datasets';
import { apiErrorOf } from '../../../../test/support/service-testing';
import { validateImage } from './image-validation';

const JPEG = datasetImages('magnetic-tile', 'crack', 1)[0].bytes;
const LIMIT = 50_000_000;

describe('validateImage (real images through sharp)', () => {
  let png: Buffer;
  beforeAll(async () => {
    png = await sharp(JPEG).png().toBuffer();
  });

  it('answers the sniffed format, the decoded size and the hash of exactly the bytes given', async () => {
    const meta = await sharp(JPEG).metadata();
    expect(await validateImage(JPEG, 'image/jpeg', LIMIT)).toEqual({
      format: 'jpeg',
      width: meta.width,
      height: meta.height,
      sha256: createHash('sha256').update(JPEG).digest('hex'),
      contentType: 'image/jpeg',
    });
  });

  it('trusts the bytes under a generic or missing type, but refuses a declared type they contradict', async () => {
    expect((await validateImage(png, 'application/octet-stream', LIMIT)).format).toBe('png');
    expect((await validateImage(png, undefined, LIMIT)).format).toBe('png');
    expect(await apiErrorOf(validateImage(png, 'image/jpeg', LIMIT))).toEqual({
      status: 415,
      error: 'content_type_mismatch',
    });
  });

  it('refuses empty, unknown, truncated and over-limit images with their own codes', async () => {
    const refusals = await Promise.all([
      apiErrorOf(validateImage(Buffer.alloc(0), 'image/jpeg', LIMIT)),
      apiErrorOf(validateImage(Buffer.from('%PDF-1.7 not an image'), undefined, LIMIT)),
      apiErrorOf(validateImage(png.subarray(0, png.length / 2), 'image/png', LIMIT)),
      apiErrorOf(validateImage(JPEG, 'image/jpeg', 100)),
    ]);
    expect(refusals).toEqual([
      { status: 400, error: 'empty_image' },
      { status: 415, error: 'unsupported_format' },
      { status: 422, error: 'corrupt_image' },
      { status: 413, error: 'too_many_pixels' },
    ]);
  });

  it('refuses bytes after the end of a JPEG or a PNG (a polyglot), even one byte', async () => {
    for (const [bytes, type] of [
      [JPEG, 'image/jpeg'],
      [png, 'image/png'],
    ] as const)
      expect(await apiErrorOf(validateImage(Buffer.concat([bytes, Buffer.from([0])]), type, LIMIT))).toEqual({
        status: 422,
        error: 'trailing_data',
      });
  });
});
