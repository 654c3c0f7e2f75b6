import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { INSPECTION_STATUSES, type InspectionStatus, VERDICTS, type Verdict } from './enums';

/** Milliseconds spent in each stage of producing a verdict. */
export interface LatencyBreakdown {
  receiveMs?: number;
  validateMs?: number;
  storeMs?: number;
  queueMs?: number;
  decodeMs?: number;
  preprocessMs?: number;
  forwardMs?: number;
  totalMs?: number;
  engine?: string;
}

@Entity('inspections')
export class InspectionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'line_id' })
  lineId!: string;

  @Column('uuid', { name: 'camera_id' })
  cameraId!: string;

  @Column('text', { name: 'product_serial', nullable: true })
  productSerial!: string | null;

  @Column('text', { name: 'idempotency_key', nullable: true })
  idempotencyKey!: string | null;

  @Column('text', { name: 'image_key' })
  imageKey!: string;

  @Column('char', { name: 'image_sha256', length: 64 })
  imageSha256!: string;

  @Column('integer', { name: 'image_bytes' })
  imageBytes!: number;

  @Column('integer')
  width!: number;

  @Column('integer')
  height!: number;

  @Column('text')
  format!: string;

  @Column('timestamptz', { name: 'captured_at', nullable: true })
  capturedAt!: Date | null;

  @Column('timestamptz', { name: 'received_at', default: () => 'now()' })
  receivedAt!: Date;

  @Column({ type: 'enum', enum: INSPECTION_STATUSES, enumName: 'inspection_status', default: 'pending' })
  status!: InspectionStatus;

  @Column({ type: 'enum', enum: VERDICTS, enumName: 'verdict', nullable: true })
  verdict!: Verdict | null;

  @Column('double precision', { nullable: true })
  score!: number | null;

  @Column('jsonb', { nullable: true })
  probabilities!: Record<string, number> | null;

  @Column('uuid', { name: 'model_version_id', nullable: true })
  modelVersionId!: string | null;

  @Column('jsonb', { nullable: true })
  latency!: LatencyBreakdown | null;

  @Column('text', { name: 'heatmap_key', nullable: true })
  heatmapKey!: string | null;

  @Column('text', { name: 'failure_reason', nullable: true })
  failureReason!: string | null;

  @Column('timestamptz', { name: 'scored_at', nullable: true })
  scoredAt!: Date | null;

  /** When the retention job deleted the image (and its heatmap and thumbnail); the row itself stays. */
  @Column('timestamptz', { name: 'image_purged_at', nullable: true })
  imagePurgedAt!: Date | null;

  /** Kept by a trigger on reviews (never written from code, so a stale entity cannot overwrite it). */
  @Column({ type: 'integer', name: 'review_count', insert: false, update: false, default: 0 })
  reviewCount!: number;
}
