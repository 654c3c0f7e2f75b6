import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@linescope/platform';
import { type Logger } from 'pino';
import { CameraRepository } from '../repositories/camera.repository';

/** How stale `cameras.last_seen_at` may be: it tells operators a camera is alive, not when each image came. */
const WRITE_EVERY_MS = 10_000;

/**
 * Records when each camera was last heard from, at most once per camera every 10 s and outside the upload's
 * transaction: updating the camera row on every upload made concurrent uploads of one camera queue on its lock.
 */
@Injectable()
export class CameraLastSeen {
  private readonly writtenAt = new Map<string, number>();

  constructor(
    private readonly cameras: CameraRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  touch(cameraId: string, now = Date.now()): void {
    if (now - (this.writtenAt.get(cameraId) ?? 0) < WRITE_EVERY_MS) return;
    this.writtenAt.set(cameraId, now);
    this.cameras
      .touchLastSeen(cameraId)
      .catch((error: unknown) => this.logger.warn({ err: error, cameraId }, 'last-seen update failed'));
  }
}
