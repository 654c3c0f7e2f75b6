import { Injectable } from '@nestjs/common';
import {
  AuditRepository,
  type CameraEntity,
  DatabaseTransactions,
  ProductionLineRepository,
} from '@linescope/db';
import { type UserPrincipal } from '../auth/principals';
import { CAMERA_KEY_PREFIX, issueSecret } from '@linescope/accounts';
import {
  type ApiKeyDto,
  type CameraDto,
  type CreateCameraDto,
  type IssuedKeyDto,
  mapCamera,
  mapKey,
} from '../dtos/camera.dto';
import { ApiError } from '../errors/api-error';
import { isUniqueViolation } from '../errors/database-errors';
import { CameraRepository } from '../repositories/camera.repository';

/** Cameras and their API keys: issued once, stored as hashes, rotatable and revocable. */
@Injectable()
export class CameraService {
  constructor(
    private readonly cameras: CameraRepository,
    private readonly transactions: DatabaseTransactions,
  ) {}

  async create(lineId: string, input: CreateCameraDto, actor: UserPrincipal): Promise<IssuedKeyDto> {
    try {
      return await this.transactions.run(async (tx) => {
        const line = await tx.get(ProductionLineRepository).findById(lineId);
        if (!line) throw new ApiError(404, 'line_not_found', `no production line ${lineId}`);
        const cameras = tx.get(CameraRepository);
        const camera = await cameras.create({ lineId, ...input });
        const issued = await issueKey(cameras, camera.id);
        await tx.get(AuditRepository).append({
          actorType: 'user',
          actorId: actor.userId,
          action: 'camera.create',
          targetType: 'camera',
          targetId: camera.id,
          details: { lineId, name: camera.name, keyPrefix: issued.key.keyPrefix },
        });
        return { camera: mapCamera(camera), key: mapKey(issued.key), apiKey: issued.secret };
      });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ApiError(409, 'camera_exists', `line ${lineId} already has a camera named ${input.name}`);
      throw error;
    }
  }

  async list(lineId: string): Promise<CameraDto[]> {
    const cameras = await this.cameras.listByLine(lineId);
    return cameras.map(mapCamera);
  }

  async listKeys(cameraId: string): Promise<ApiKeyDto[]> {
    await requireCamera(this.cameras, cameraId);
    const keys = await this.cameras.listKeys(cameraId);
    return keys.map(mapKey);
  }

  /** Issues a new key; unless told to keep them, the camera's other keys stop working at once. */
  async rotate(cameraId: string, keepPrevious: boolean, actor: UserPrincipal): Promise<IssuedKeyDto> {
    return this.transactions.run(async (tx) => {
      const cameras = tx.get(CameraRepository);
      const camera = await requireCamera(cameras, cameraId);
      const revoked = keepPrevious ? 0 : await cameras.revokeActiveKeys(cameraId);
      const issued = await issueKey(cameras, cameraId);
      await tx.get(AuditRepository).append({
        actorType: 'user',
        actorId: actor.userId,
        action: 'camera.key.rotate',
        targetType: 'camera',
        targetId: cameraId,
        details: { keyPrefix: issued.key.keyPrefix, revokedPrevious: revoked },
      });
      return { camera: mapCamera(camera), key: mapKey(issued.key), apiKey: issued.secret };
    });
  }

  async revoke(cameraId: string, keyId: string, actor: UserPrincipal): Promise<ApiKeyDto> {
    return this.transactions.run(async (tx) => {
      const cameras = tx.get(CameraRepository);
      const key = await cameras.findKey(cameraId, keyId);
      if (!key) throw new ApiError(404, 'key_not_found', `camera ${cameraId} has no key ${keyId}`);
      if (!key.revokedAt) {
        key.revokedAt = new Date();
        await cameras.revokeKey(key.id, key.revokedAt);
        await tx.get(AuditRepository).append({
          actorType: 'user',
          actorId: actor.userId,
          action: 'camera.key.revoke',
          targetType: 'camera',
          targetId: cameraId,
          details: { keyId, keyPrefix: key.keyPrefix },
        });
      }
      return mapKey(key);
    });
  }
}

async function requireCamera(cameras: CameraRepository, cameraId: string): Promise<CameraEntity> {
  const camera = await cameras.findById(cameraId);
  if (!camera) throw new ApiError(404, 'camera_not_found', `no camera ${cameraId}`);
  return camera;
}

async function issueKey(cameras: CameraRepository, cameraId: string) {
  const secret = issueSecret(CAMERA_KEY_PREFIX);
  const key = await cameras.createKey({ cameraId, keyHash: secret.hash, keyPrefix: secret.displayPrefix });
  return { key, secret: secret.secret };
}
