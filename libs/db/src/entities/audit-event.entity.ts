import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { ACTOR_TYPES, type ActorType } from './enums';

/** Who did what to which object. Append-only (a trigger forbids updates and deletes). */
@Entity('audit_events')
export class AuditEventEntity {
  /** bigserial: returned by pg as a string to keep 64-bit precision. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column({ name: 'actor_type', type: 'enum', enum: ACTOR_TYPES, enumName: 'actor_type' })
  actorType!: ActorType;

  @Column('text', { name: 'actor_id', nullable: true })
  actorId!: string | null;

  @Column('text')
  action!: string;

  @Column('text', { name: 'target_type', nullable: true })
  targetType!: string | null;

  @Column('text', { name: 'target_id', nullable: true })
  targetId!: string | null;

  @Column('jsonb', { default: {} })
  details!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
