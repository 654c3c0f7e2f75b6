import { Inject, Injectable } from '@nestjs/common';
import { type InspectionEntity } from '@linescope/db';
import { FILE_CSP, OBJECT_STORE } from '@linescope/platform';
import { ObjectNotFoundError, type ObjectStore } from '@linescope/storage';
import { type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { type InspectionLinksDto } from '../dtos/inspection.dto';
import { ApiError } from '../errors/api-error';
import { SignedUrlService } from './signed-url.service';

/** Streams stored images and heatmaps, and issues short-lived links to them. */
@Injectable()
export class InspectionFilesService {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    private readonly signer: SignedUrlService,
  ) {}

  links(row: InspectionEntity): InspectionLinksDto {
    const image = this.signer.sign(row.imageKey);
    return {
      image: image.url,
      heatmap: row.heatmapKey ? this.signer.sign(row.heatmapKey).url : null,
      expiresAt: image.expiresAt.toISOString(),
    };
  }

  async stream(key: string, response: Response, cacheSeconds = 300): Promise<void> {
    const info = await this.store.stat(key).catch(() => {
      throw new ApiError(503, 'storage_unavailable', 'object storage does not answer');
    });
    if (!info) throw new ApiError(404, 'object_not_found', 'the stored file is gone');
    let body;
    try {
      body = await this.store.getStream(key);
    } catch (error) {
      if (error instanceof ObjectNotFoundError)
        throw new ApiError(404, 'object_not_found', 'the stored file is gone');
      throw new ApiError(503, 'storage_unavailable', 'object storage does not answer');
    }
    response.status(200);
    response.setHeader('Content-Type', guessType(key, info.contentType));
    response.setHeader('Content-Length', String(info.size));
    response.setHeader('Cache-Control', `private, max-age=${cacheSeconds}`);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Content-Security-Policy', FILE_CSP);
    await pipeline(body, response);
  }
}

/** Listing-based stores may not keep a content type; the key's extension is as good. */
function guessType(key: string, stored: string): string {
  if (stored !== 'application/octet-stream') return stored;
  const extension = key.slice(key.lastIndexOf('.') + 1);
  const types: Record<string, string> = {
    jpeg: 'image/jpeg',
    png: 'image/png',
    webp: 'image/webp',
    tiff: 'image/tiff',
    gif: 'image/gif',
    bmp: 'image/bmp',
  };
  return types[extension] ?? stored;
}
