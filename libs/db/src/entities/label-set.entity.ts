import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** Where a label set's samples come from. */
export type LabelSetSource =
  { kind: 'reviews'; lineIds?: string[]; reviewedBefore: string } | { kind: 'folder'; path: string };

/** A dataset frozen for training: once `frozenAt` is set its items never change, so a model can name its data. */
@Entity('label_sets')
export class LabelSetEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  /** e.g. 'ok-vs-defect' or 'defect-type'. */
  @Column('text')
  task!: string;

  @Column('jsonb')
  source!: LabelSetSource;

  @Column('jsonb', { name: 'class_names' })
  classNames!: string[];

  @Column('integer', { name: 'item_count', default: 0 })
  itemCount!: number;

  @Column('text', { nullable: true })
  fingerprint!: string | null;

  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy!: string | null;

  @Column('timestamptz', { name: 'frozen_at', nullable: true })
  frozenAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity('label_set_items')
export class LabelSetItemEntity {
  @PrimaryColumn('uuid', { name: 'label_set_id' })
  labelSetId!: string;

  @PrimaryColumn('uuid', { name: 'inspection_id' })
  inspectionId!: string;

  /** The review the label was taken from. */
  @Column('uuid', { name: 'review_id', nullable: true })
  reviewId!: string | null;

  @Column('text')
  label!: string;
}
