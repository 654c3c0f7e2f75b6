import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { VERDICTS, type Verdict } from './enums';

/** One change of the production model; a rollback goes back to `previousVersionId` of the latest one. */
@Entity('model_promotions')
export class ModelPromotionEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id!: string;

  @Column('uuid', { name: 'model_version_id' })
  modelVersionId!: string;

  @Column('uuid', { name: 'previous_version_id', nullable: true })
  previousVersionId!: string | null;

  @Column('text')
  kind!: 'promote' | 'rollback';

  @Column('uuid', { name: 'actor_id', nullable: true })
  actorId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** What a shadow candidate answered for a live inspection, beside what production answered. */
@Entity('shadow_results')
export class ShadowResultEntity {
  @PrimaryColumn('uuid', { name: 'inspection_id' })
  inspectionId!: string;

  @PrimaryColumn('uuid', { name: 'model_version_id' })
  modelVersionId!: string;

  @Column({ type: 'enum', enum: VERDICTS, enumName: 'verdict' })
  verdict!: Verdict;

  @Column('double precision')
  score!: number;

  @Column('uuid', { name: 'production_model_version_id' })
  productionModelVersionId!: string;

  @Column({ name: 'production_verdict', type: 'enum', enum: VERDICTS, enumName: 'verdict' })
  productionVerdict!: Verdict;

  @Column('double precision', { name: 'production_score' })
  productionScore!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
