import { Inject, Injectable } from '@nestjs/common';
import { type InspectionEntity } from '@linescope/db';
import { OBJECT_STORE } from '@linescope/platform';
import { ObjectNotFoundError, type ObjectStore } from '@linescope/storage';
import { decodeImage } from '@linescope/vision/preprocess';
import sharp from 'sharp';
import { ApiError } from '../errors/api-error';

export const THUMBNAIL_SIDE = 256;

export function thumbnailKey(inspectionId: string): string {
  return `thumbnails/${inspectionId}.webp`;
}

/**
 * Grid thumbnails: made once, on the first request, and kept as objects under a key derived from the inspection
 * id (so no column records them and the orphan sweep, which covers images/ and heatmaps/, leaves them alone).
 */
@Injectable()
export class ThumbnailService {
  constructor(@Inject(OBJECT_STORE) private readonly store: ObjectStore) {}

  /** The thumbnail's object key, rendering and storing it first if it does not exist yet. */
  async ensure(row: InspectionEntity): Promise<string> {
    const key = thumbnailKey(row.id);
    try {
      if (await this.store.exists(key)) return key;
      const image = await this.store.get(row.imageKey);
      await this.store.put(key, await renderThumbnail(image), { contentType: 'image/webp' });
      return key;
    } catch (error) {
      if (error instanceof ObjectNotFoundError)
        throw new ApiError(404, 'object_not_found', 'the stored image is gone');
      if (error instanceof ApiError) throw error;
      throw new ApiError(503, 'storage_unavailable', 'object storage does not answer');
    }
  }
}

/** Decoded by the product's one decoding path (EXIF orientation, BMP), then WebP with the longest side 256 px. */
export async function renderThumbnail(bytes: Buffer): Promise<Buffer> {
  const image = await decodeImage(bytes);
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
}
