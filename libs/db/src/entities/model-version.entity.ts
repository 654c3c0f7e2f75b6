import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { MODEL_STAGES, type ModelStage } from './enums';

@Entity('model_versions')
export class ModelVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('integer')
  version!: number;

  /** Zoo architecture family, e.g. 'mobilenetv2', 'resnet', 'vit'. */
  @Column('text')
  architecture!: string;

  /** The full model spec the zoo builds from. */
  @Column('jsonb')
  spec!: Record<string, unknown>;

  @Column('integer', { name: 'input_height' })
  inputHeight!: number;

  @Column('integer', { name: 'input_width' })
  inputWidth!: number;

  @Column('jsonb', { name: 'class_names' })
  classNames!: string[];

  @Column('jsonb')
  preprocessing!: Record<string, unknown>;

  /** The fully resolved training configuration, so the result can be reproduced. */
  @Column('jsonb', { default: {} })
  config!: Record<string, unknown>;

  @Column('jsonb', { default: {} })
  metrics!: Record<string, unknown>;

  /** The detailed test-split evaluation (libs/training `EvaluationRecord`); null for versions registered before it. */
  @Column('jsonb', { nullable: true })
  evaluation!: Record<string, unknown> | null;

  @Column('double precision', { name: 'operating_threshold', nullable: true })
  operatingThreshold!: number | null;

  @Column('double precision', { name: 'uncertain_low', nullable: true })
  uncertainLow!: number | null;

  @Column('double precision', { name: 'uncertain_high', nullable: true })
  uncertainHigh!: number | null;

  /** Object-store prefix of the TensorFlow.js artifact (model.json, weights, manifest). */
  @Column('text', { name: 'artifact_key' })
  artifactKey!: string;

  @Column('text', { name: 'onnx_key', nullable: true })
  onnxKey!: string | null;

  @Column({ type: 'enum', enum: MODEL_STAGES, enumName: 'model_stage', default: 'candidate' })
  stage!: ModelStage;

  /** The CNN teacher a distilled student learned from. */
  @Column('uuid', { name: 'teacher_id', nullable: true })
  teacherId!: string | null;

  @Column('uuid', { name: 'training_job_id', nullable: true })
  trainingJobId!: string | null;

  @Column('text', { name: 'dataset_fingerprint', nullable: true })
  datasetFingerprint!: string | null;

  /** A shadow candidate scores live traffic beside production; its answers are recorded, never returned. */
  @Column('boolean', { default: false })
  shadow!: boolean;

  @Column('timestamptz', { name: 'promoted_at', nullable: true })
  promotedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
