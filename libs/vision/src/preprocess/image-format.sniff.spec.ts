import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { encodeBmp, GRAY_PALETTE } from './bmp.fixture';
import { datasetFile } from './image.fixture';
import { IMAGE_FORMAT_MEDIA_TYPES, imageFormatFromMediaType, sniffImageFormat } from './image-format.sniff';

describe('sniffImageFormat', () => {
  const solid = () => sharp({ create: { width: 4, height: 4, channels: 3, background: '#336699' } });

  it('recognises real dataset files by content', () => {
    expect(sniffImageFormat(readFileSync(datasetFile('magnetic-tile', 'crack', 'exp1_num_249594.jpg')))).toBe(
      'jpeg',
    );
    expect(sniffImageFormat(readFileSync(datasetFile('neu-cls', 'crazing', 'Cr_1.png')))).toBe('png');
  });

  it.each([
    ['webp', () => solid().webp().toBuffer()],
    ['tiff', () => solid().tiff().toBuffer()],
    ['tiff', () => solid().tiff({ bigtiff: true }).toBuffer()],
    ['gif', () => solid().gif().toBuffer()],
  ] as const)('recognises %s written by sharp', async (format, encode) => {
    expect(sniffImageFormat(await encode())).toBe(format);
  });

  it('recognises a BMP by its signature and DIB header size', () => {
    const bmp = encodeBmp({ width: 2, height: 2, bitsPerPixel: 8, palette: GRAY_PALETTE, pixel: () => 7 });
    expect(sniffImageFormat(bmp)).toBe('bmp');
  });

  it('ignores the declared type: the bytes decide', () => {
    const png = readFileSync(datasetFile('neu-cls', 'crazing', 'Cr_1.png'));
    expect(sniffImageFormat(png)).not.toBe(imageFormatFromMediaType('image/jpeg'));
  });

  it('returns null for text, truncated signatures, other formats and empty input', () => {
    expect(sniffImageFormat(Buffer.from('BM is also how this sentence starts'))).toBeNull();
    expect(sniffImageFormat(Buffer.from([0xff, 0xd8]))).toBeNull();
    expect(sniffImageFormat(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBeNull();
    expect(sniffImageFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(sniffImageFormat(Buffer.alloc(0))).toBeNull();
  });
});

describe('imageFormatFromMediaType', () => {
  it('maps canonical types, aliases and parameters', () => {
    for (const [format, mediaType] of Object.entries(IMAGE_FORMAT_MEDIA_TYPES)) {
      expect(imageFormatFromMediaType(mediaType)).toBe(format);
    }
    expect(imageFormatFromMediaType('IMAGE/JPG; charset=binary')).toBe('jpeg');
    expect(imageFormatFromMediaType('image/x-ms-bmp')).toBe('bmp');
    expect(imageFormatFromMediaType('application/octet-stream')).toBeNull();
  });
});
