import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ImageDecodeError, type PreprocessSpec, preprocess } from '@linescope/vision/preprocess';
import { prepareImage, sameInput } from './image.prepare';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const TILES = path.resolve(REPO_ROOT, '..', 'shared', 'datasets', 'magnetic-tile', 'crack');
const jpeg = readFileSync(
  path.join(
    TILES,
    readdirSync(TILES)
      .filter((name) => name.endsWith('.jpg'))
      .sort()[0],
  ),
);

describe('prepareImage', () => {
  it.each<PreprocessSpec>([
    { inputSize: [48, 64], resize: 'letterbox', normalization: 'resnet' },
    { inputSize: [32, 32], resize: 'center-crop', normalization: 'mobilenet' },
  ])('gives exactly the tensor of the vision preprocess pipeline (%j)', async (spec) => {
    const prepared = await prepareImage(jpeg, spec);
    expect(prepared.input).toEqual(await preprocess(jpeg, spec));
    const metadata = await sharp(jpeg).metadata();
    expect([prepared.width, prepared.height]).toEqual([metadata.width, metadata.height]);
    expect(prepared.decodeMs).toBeGreaterThan(0);
    expect(prepared.preprocessMs).toBeGreaterThan(0);
  });

  it('guards against huge images with the given limit unless the spec sets its own', async () => {
    const spec: PreprocessSpec = { inputSize: [32, 32], resize: 'squash', normalization: 'resnet' };
    await expect(prepareImage(jpeg, spec, 1_000)).rejects.toMatchObject({ code: 'too_many_pixels' });
    await expect(prepareImage(jpeg, { ...spec, maxPixels: 10_000_000 }, 1_000)).resolves.toBeDefined();
  });

  it('names what is wrong with a bad image', async () => {
    const spec: PreprocessSpec = { inputSize: [32, 32], resize: 'squash', normalization: 'resnet' };
    const truncated = prepareImage(jpeg.subarray(0, 2_000), spec);
    await expect(truncated).rejects.toBeInstanceOf(ImageDecodeError);
    await expect(truncated).rejects.toMatchObject({ code: 'corrupt_image' });
  });
});

describe('sameInput', () => {
  it('is true only for specs that make the same tensor', () => {
    const spec: PreprocessSpec = { inputSize: [32, 32], resize: 'squash', normalization: 'resnet' };
    expect(sameInput(spec, { ...spec, inputSize: [32, 32] })).toBe(true);
    expect(sameInput(spec, { ...spec, normalization: 'mobilenet' })).toBe(false);
    expect(sameInput(spec, { ...spec, inputSize: [32, 48] })).toBe(false);
  });
});
