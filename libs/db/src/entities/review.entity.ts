import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { REVIEW_DECISIONS, type ReviewDecision } from './enums';

/** A QA verdict on an inspection. Append-only: a change of mind is a new review (a trigger forbids updates). */
@Entity('reviews')
export class ReviewEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'inspection_id' })
  inspectionId!: string;

  @Column('uuid', { name: 'reviewer_id' })
  reviewerId!: string;

  @Column({ type: 'enum', enum: REVIEW_DECISIONS, enumName: 'review_decision' })
  decision!: ReviewDecision;

  @Column('text', { name: 'defect_type', nullable: true })
  defectType!: string | null;

  @Column('text', { default: '' })
  note!: string;

  /** The earlier review of the same inspection this one corrects (an undo in the review station). */
  @Column('uuid', { name: 'supersedes_review_id', nullable: true })
  supersedesReviewId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
