import { Injectable } from '@nestjs/common';
import { CameraApiKeyEntity, CameraEntity } from '@linescope/db';
import { EntityManager, IsNull } from 'typeorm';

export type NewCamera = Pick<CameraEntity, 'lineId' | 'name'> &
  Partial<Pick<CameraEntity, 'rateLimitPerSecond'>>;
export type NewCameraKey = Pick<CameraApiKeyEntity, 'cameraId' | 'keyHash' | 'keyPrefix'>;

/** Cameras and their API keys (stored as hashes). */
@Injectable()
export class CameraRepository {
  constructor(private readonly db: EntityManager) {}

  create(camera: NewCamera): Promise<CameraEntity> {
    return this.db.getRepository(CameraEntity).save(camera);
  }

  findById(id: string): Promise<CameraEntity | null> {
    return this.db.getRepository(CameraEntity).findOneBy({ id });
  }

  listByLine(lineId: string): Promise<CameraEntity[]> {
    return this.db.getRepository(CameraEntity).find({ where: { lineId }, order: { name: 'ASC' } });
  }

  async touchLastSeen(id: string): Promise<void> {
    await this.db.query(`UPDATE cameras SET last_seen_at = now() WHERE id = $1`, [id]);
  }

  createKey(key: NewCameraKey): Promise<CameraApiKeyEntity> {
    return this.db.getRepository(CameraApiKeyEntity).save(key);
  }

  listKeys(cameraId: string): Promise<CameraApiKeyEntity[]> {
    return this.db
      .getRepository(CameraApiKeyEntity)
      .find({ where: { cameraId }, order: { createdAt: 'ASC' } });
  }

  findKey(cameraId: string, keyId: string): Promise<CameraApiKeyEntity | null> {
    return this.db.getRepository(CameraApiKeyEntity).findOneBy({ id: keyId, cameraId });
  }

  /** Revokes every key of the camera still in use; returns how many. */
  async revokeActiveKeys(cameraId: string): Promise<number> {
    const result = await this.db
      .getRepository(CameraApiKeyEntity)
      .update({ cameraId, revokedAt: IsNull() }, { revokedAt: new Date() });
    return result.affected ?? 0;
  }

  async revokeKey(keyId: string, at: Date): Promise<void> {
    await this.db.getRepository(CameraApiKeyEntity).update({ id: keyId }, { revokedAt: at });
  }
}
