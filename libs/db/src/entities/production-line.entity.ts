import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { VERDICT_MODES, type VerdictMode } from './enums';

@Entity('production_lines')
export class ProductionLineEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text', { default: '' })
  description!: string;

  @Column({
    name: 'verdict_mode',
    type: 'enum',
    enum: VERDICT_MODES,
    enumName: 'verdict_mode',
    default: 'sync',
  })
  verdictMode!: VerdictMode;

  /** How long a `sync` upload waits for a verdict before answering `pending`. */
  @Column('integer', { name: 'verdict_deadline_ms', default: 200 })
  verdictDeadlineMs!: number;

  /** Per-line overrides of the model's operating threshold and uncertain band; null means the model's own. */
  @Column('double precision', { name: 'operating_threshold', nullable: true })
  operatingThreshold!: number | null;

  @Column('double precision', { name: 'uncertain_low', nullable: true })
  uncertainLow!: number | null;

  @Column('double precision', { name: 'uncertain_high', nullable: true })
  uncertainHigh!: number | null;

  /** Per-line model override; null means the production model. */
  @Column('uuid', { name: 'model_version_id', nullable: true })
  modelVersionId!: string | null;

  /** Defect-type keys the review station offers on this line. */
  @Column('jsonb', { name: 'defect_types', default: () => "'[]'" })
  defectTypes!: string[];

  @Column('text', { name: 'webhook_url', nullable: true })
  webhookUrl!: string | null;

  @Column('text', { name: 'webhook_secret', nullable: true })
  webhookSecret!: string | null;

  /** Per-line retention in days (ok; defect or uncertain; reviewed); null means the product-wide default. */
  @Column('integer', { name: 'retain_ok_days', nullable: true })
  retainOkDays!: number | null;

  @Column('integer', { name: 'retain_flagged_days', nullable: true })
  retainFlaggedDays!: number | null;

  @Column('integer', { name: 'retain_reviewed_days', nullable: true })
  retainReviewedDays!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
