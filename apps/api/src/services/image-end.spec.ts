import sharp from 'sharp';
import { datasetImages } from '../../../../test/support/datasets';
import { imageEnd } from './image-end';

const JPEG = datasetImages('magnetic-tile', 'crack', 1)[0].bytes;
const ZIP = Buffer.from('PK\x03\x04 a zip archive appended to the image');

describe('imageEnd (real images through sharp)', () => {
  let png: Buffer;
  let webp: Buffer;
  beforeAll(async () => {
    png = await sharp(JPEG).png().toBuffer();
    webp = await sharp(JPEG).webp().toBuffer();
  });

  it('finds the end of a whole JPEG, PNG and WebP at their last byte, and again with data appended', () => {
    for (const [bytes, format] of [
      [JPEG, 'jpeg'],
      [png, 'png'],
      [webp, 'webp'],
    ] as const) {
      expect(imageEnd(bytes, format)).toBe(bytes.length);
      expect(imageEnd(Buffer.concat([bytes, ZIP]), format)).toBe(bytes.length);
    }
  });

  it('walks past 0xFF bytes inside a JPEG scan and restart markers rather than stopping at them', () => {
    const scanStart = JPEG.indexOf(Buffer.from([0xff, 0xda]));
    const stuffed = JPEG.indexOf(Buffer.from([0xff, 0x00]), scanStart);
    expect(stuffed).toBeGreaterThan(scanStart); // the real image has stuffed bytes to walk past
    expect(imageEnd(JPEG, 'jpeg')).toBe(JPEG.length);
  });

  it('answers null for a structure cut short, and for formats it does not walk', async () => {
    expect(imageEnd(JPEG.subarray(0, JPEG.length - 2), 'jpeg')).toBeNull();
    expect(imageEnd(png.subarray(0, png.length - 12), 'png')).toBeNull();
    expect(imageEnd(await sharp(JPEG).tiff().toBuffer(), 'tiff')).toBeNull();
  });
});
