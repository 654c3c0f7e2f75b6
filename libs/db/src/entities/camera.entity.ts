import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('cameras')
export class CameraEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'line_id' })
  lineId!: string;

  @Column('text')
  name!: string;

  @Column('double precision', { name: 'rate_limit_per_second', nullable: true })
  rateLimitPerSecond!: number | null;

  @Column('timestamptz', { name: 'last_seen_at', nullable: true })
  lastSeenAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
