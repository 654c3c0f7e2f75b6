import { type InspectionEntity } from '@linescope/db';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { datasetImages } from '../../../../test/support/datasets';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { THUMBNAIL_SIDE, ThumbnailService, thumbnailKey } from './thumbnail.service';

const IMAGE = datasetImages('magnetic-tile', 'crack', 1)[0].bytes;

describe('ThumbnailService (real S3 server, real images)', () => {
  let bed: ServiceTestBed;
  let service: ThumbnailService;

  beforeAll(async () => {
    bed = await createServiceTestBed([ThumbnailService], { s3: true });
    service = bed.get(ThumbnailService);
  });
  afterAll(() => bed.close());

  /** An inspection row as far as the service reads it: its id and its image's key. */
  const storedInspection = async (bytes: Buffer | null) => {
    const row = { id: randomUUID(), imageKey: `images/test/${randomUUID()}.jpeg` } as InspectionEntity;
    if (bytes) await bed.store!.put(row.imageKey, bytes, { contentType: 'image/jpeg' });
    return row;
  };

  it('renders a WebP within 256 px, keeping the aspect ratio, under a key derived from the id', async () => {
    const row = await storedInspection(IMAGE);
    const key = await service.ensure(row);
    expect(key).toBe(thumbnailKey(row.id));
    const source = await sharp(IMAGE).metadata();
    const thumbnail = await sharp(await bed.store!.get(key)).metadata();
    expect(thumbnail.format).toBe('webp');
    expect(Math.max(thumbnail.width, thumbnail.height)).toBe(
      Math.min(THUMBNAIL_SIDE, Math.max(source.width, source.height)),
    );
    expect(Math.abs(thumbnail.width / thumbnail.height - source.width / source.height)).toBeLessThan(0.05);
  });

  it('renders once: a thumbnail made before is answered without reading the image again', async () => {
    const row = await storedInspection(IMAGE);
    const key = await service.ensure(row);
    const made = await bed.store!.stat(key);
    await bed.store!.delete(row.imageKey);
    expect(await service.ensure(row)).toBe(key);
    expect((await bed.store!.stat(key))?.lastModified).toEqual(made?.lastModified);
  });

  it('answers 404 when the image is gone, storing no thumbnail', async () => {
    const row = await storedInspection(null);
    expect(await apiErrorOf(service.ensure(row))).toEqual({ status: 404, error: 'object_not_found' });
    expect(await bed.store!.exists(thumbnailKey(row.id))).toBe(false);
  });
});
