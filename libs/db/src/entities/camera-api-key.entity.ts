import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A camera's API key. Only a hash is stored; the key itself is shown once, when it is issued. */
@Entity('camera_api_keys')
export class CameraApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'camera_id' })
  cameraId!: string;

  /** The first characters of the key, to tell keys apart in listings without revealing them. */
  @Column('text', { name: 'key_prefix' })
  keyPrefix!: string;

  @Column('text', { name: 'key_hash' })
  keyHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
