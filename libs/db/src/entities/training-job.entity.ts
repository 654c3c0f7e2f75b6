import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { TRAINING_JOB_STATUSES, type TrainingJobStatus } from './enums';

/** Where a training job is: the engine's phases, then `done` once its model versions are registered. */
export type TrainingPhase =
  | 'loading-data'
  | 'checklist:initial-loss'
  | 'checklist:overfit'
  | 'checklist:lr-range'
  | 'checklist:candidates'
  | 'training'
  | 'evaluating'
  | 'done';

/** Progress of a running job, as the engine reports it and `training_jobs.progress` stores it. */
export interface TrainingProgress {
  phase: TrainingPhase;
  epoch?: number;
  epochs?: number;
  step?: number;
  stepsPerEpoch?: number;
  loss?: number;
  accuracy?: number;
  learningRate?: number;
  etaSeconds?: number;
  /** Training images per second over the phase so far. */
  imagesPerSecond?: number;
  /** Of the whole job (0-100): data loading, checklist, epochs and evaluation weighted by their expected share. */
  percent?: number;
  /** Seconds since the run (this attempt) started. */
  elapsedSeconds?: number;
  /** Optimisation steps taken and planned in the training phase. */
  globalStep?: number;
  totalSteps?: number;
}

/** One item of the training checklist, with the numbers that support it. */
export interface ChecklistFinding {
  check: string;
  status: 'pass' | 'warn' | 'fail';
  message: string;
  evidence: Record<string, number | string | boolean>;
}

@Entity('training_jobs')
export class TrainingJobEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'enum', enum: TRAINING_JOB_STATUSES, enumName: 'training_job_status', default: 'queued' })
  status!: TrainingJobStatus;

  @Column('jsonb')
  config!: Record<string, unknown>;

  @Column('uuid', { name: 'label_set_id', nullable: true })
  labelSetId!: string | null;

  @Column('uuid', { name: 'teacher_id', nullable: true })
  teacherId!: string | null;

  @Column('jsonb', { default: {} })
  /** `{}` until the first report. */
  progress!: Partial<TrainingProgress>;

  @Column('jsonb', { default: [] })
  checklist!: ChecklistFinding[];

  @Column('text', { default: '' })
  log!: string;

  @Column('text', { name: 'checkpoint_key', nullable: true })
  checkpointKey!: string | null;

  @Column('uuid', { name: 'model_version_id', nullable: true })
  modelVersionId!: string | null;

  @Column('text', { nullable: true })
  error!: string | null;

  @Column('integer', { default: 0 })
  attempt!: number;

  @Column('uuid', { name: 'created_by', nullable: true })
  createdBy!: string | null;

  /** The trainer process working the job, and when it last said it is alive. */
  @Column('text', { name: 'worker_id', nullable: true })
  workerId!: string | null;

  @Column('timestamptz', { name: 'heartbeat_at', nullable: true })
  heartbeatAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt!: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

export interface EpochMetrics {
  trainLoss: number;
  trainAccuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  learningRate: number;
  durationSeconds: number;
  [metric: string]: number | undefined;
}

@Entity('training_epochs')
export class TrainingEpochEntity {
  @PrimaryColumn('uuid', { name: 'training_job_id' })
  trainingJobId!: string;

  @PrimaryColumn('integer')
  epoch!: number;

  @Column('jsonb')
  metrics!: EpochMetrics;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
