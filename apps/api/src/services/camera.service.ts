import { Injectable } from '@nestjs/common';
import { CameraApiKeyEntity, CameraEntity, ProductionLineEntity } from '@linescope/db';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
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
import { AuditRepository } from '../repositories/audit.repository';

/** Cameras and their API keys: issued once, stored as hashes, rotatable and revocable. */
@Injectable()
export class CameraService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditRepository,
  ) {}

  async create(lineId: string, input: CreateCameraDto, actor: UserPrincipal): Promise<IssuedKeyDto> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const line = await manager.getRepository(ProductionLineEntity).findOneBy({ id: lineId });
        if (!line) throw new ApiError(404, 'line_not_found', `no production line ${lineId}`);
        const camera = await manager.getRepository(CameraEntity).save({ lineId, ...input });
        const issued = await this.issueKey(manager, camera.id);
        await this.audit.append(manager, {
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
    const cameras = await this.dataSource
      .getRepository(CameraEntity)
      .find({ where: { lineId }, order: { name: 'ASC' } });
    return cameras.map(mapCamera);
  }

  async listKeys(cameraId: string): Promise<ApiKeyDto[]> {
    await this.requireCamera(this.dataSource.manager, cameraId);
    const keys = await this.dataSource
      .getRepository(CameraApiKeyEntity)
      .find({ where: { cameraId }, order: { createdAt: 'ASC' } });
    return keys.map(mapKey);
  }

  /** Issues a new key; unless told to keep them, the camera's other keys stop working at once. */
  async rotate(cameraId: string, keepPrevious: boolean, actor: UserPrincipal): Promise<IssuedKeyDto> {
    return this.dataSource.transaction(async (manager) => {
      const camera = await this.requireCamera(manager, cameraId);
      let revoked = 0;
      if (!keepPrevious) {
        const result = await manager
          .getRepository(CameraApiKeyEntity)
          .update({ cameraId, revokedAt: IsNull() }, { revokedAt: new Date() });
        revoked = result.affected ?? 0;
      }
      const issued = await this.issueKey(manager, cameraId);
      await this.audit.append(manager, {
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
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(CameraApiKeyEntity);
      const key = await repo.findOneBy({ id: keyId, cameraId });
      if (!key) throw new ApiError(404, 'key_not_found', `camera ${cameraId} has no key ${keyId}`);
      if (!key.revokedAt) {
        key.revokedAt = new Date();
        await repo.save(key);
        await this.audit.append(manager, {
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

  private async requireCamera(manager: EntityManager, cameraId: string): Promise<CameraEntity> {
    const camera = await manager.getRepository(CameraEntity).findOneBy({ id: cameraId });
    if (!camera) throw new ApiError(404, 'camera_not_found', `no camera ${cameraId}`);
    return camera;
  }

  private async issueKey(manager: EntityManager, cameraId: string) {
    const secret = issueSecret(CAMERA_KEY_PREFIX);
    const key = await manager
      .getRepository(CameraApiKeyEntity)
      .save({ cameraId, keyHash: secret.hash, keyPrefix: secret.displayPrefix });
    return { key, secret: secret.secret };
  }
}
