import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  type ChecklistFinding,
  TRAINING_JOB_STATUSES,
  type TrainingEpochEntity,
  type TrainingJobEntity,
  type TrainingJobStatus,
  type TrainingProgress,
} from '@linescope/db';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsObject, IsOptional, IsUUID, Length, ValidateNested } from 'class-validator';
import { trainingConfigJsonSchema } from '@linescope/training/config';
import { IsText } from './text.validators';
import { EXAMPLE_IDS } from '../openapi/example-ids';

/** Where a job's images and labels come from. */
export class DatasetSelectionDto {
  @ApiProperty({
    enum: ['reviews', 'labelSet', 'folder'],
    description:
      "'reviews': the latest QA review of every reviewed inspection, frozen into a label set when the job starts; " +
      "'labelSet': a label set frozen before (`labelSetId`, listed by GET /api/v1/training/datasets), so two jobs " +
      "train on exactly the same labels; 'folder': a <class>/<image> folder under one of the server's " +
      'TRAINING_DATA_ROOTS',
  })
  @IsIn(['reviews', 'labelSet', 'folder'])
  kind!: 'reviews' | 'labelSet' | 'folder';

  @ApiPropertyOptional({
    description:
      "With 'folder': the folder's name under one of TRAINING_DATA_ROOTS as GET /api/v1/training/datasets lists it " +
      '(e.g. `neu-cls`), or an absolute path inside a root',
    example: 'neu-cls',
  })
  @IsOptional()
  @IsText()
  @Length(1, 1000)
  path?: string;

  @ApiPropertyOptional({
    description: "With 'labelSet': the frozen label set",
    example: EXAMPLE_IDS.labelSet,
  })
  @IsOptional()
  @IsUUID()
  labelSetId?: string;

  @ApiPropertyOptional({ type: [String], description: "With 'reviews': only these lines (default: all)" })
  @IsOptional()
  @IsArray()
  @IsUUID('all', { each: true })
  lineIds?: string[];
}

/** The documented example of a job's `config`: accepted by the server (a test posts it). */
export const TRAINING_CONFIG_EXAMPLE = {
  model: { arch: 'resnet', depth: 10, width: 16, inputSize: 64 },
  epochs: 30,
  batchSize: 32,
  optimizer: { kind: 'adamw' },
  schedule: { kind: 'cosine', lr: 0.002, warmup: { steps: 30, startLr: 0 } },
  weightDecay: 0.0001,
  augment: { horizontalFlip: { p: 0.5 }, verticalFlip: { p: 0.5 } },
  earlyStopping: { metric: 'valLoss', patience: 10 },
};

export const CREATE_TRAINING_JOB_EXAMPLES = {
  reviews: {
    summary: 'From the QA reviews (frozen into a label set when the job starts)',
    value: { dataset: { kind: 'reviews' }, config: TRAINING_CONFIG_EXAMPLE },
  },
  folder: {
    summary: 'From a dataset folder, by its name under TRAINING_DATA_ROOTS (GET /api/v1/training/datasets)',
    value: {
      dataset: { kind: 'folder', path: 'neu-cls' },
      config: { ...TRAINING_CONFIG_EXAMPLE, data: { task: 'multiclass', limitPerClass: 50 } },
    },
  },
};

export class CreateTrainingJobDto {
  @ApiProperty({ type: DatasetSelectionDto })
  @ValidateNested()
  @Type(() => DatasetSelectionDto)
  dataset!: DatasetSelectionDto;

  @ApiProperty({
    ...(trainingConfigJsonSchema() as Record<string, unknown>),
    description:
      'The training configuration: every option below with its default and range (the same JSON Schema is served ' +
      'at GET /api/v1/training/config-schema). Unset fields take their defaults; the fully resolved configuration ' +
      'is stored with the model. `data.source` is set from `dataset`.',
    example: TRAINING_CONFIG_EXAMPLE,
  })
  @IsObject()
  config!: Record<string, unknown>;

  @ApiPropertyOptional({
    description:
      'A registered CNN model version to distil into a ViT student (needs model.distillationToken)',
  })
  @IsOptional()
  @IsUUID()
  teacherId?: string;
}

export class TrainingJobQueryDto {
  @ApiPropertyOptional({ enum: TRAINING_JOB_STATUSES })
  @IsOptional()
  @IsIn(TRAINING_JOB_STATUSES)
  status?: TrainingJobStatus;
}

export class TrainingProgressDto {
  @ApiPropertyOptional({
    enum: [
      'loading-data',
      'checklist:initial-loss',
      'checklist:overfit',
      'checklist:lr-range',
      'checklist:candidates',
      'training',
      'evaluating',
      'done',
    ],
    example: 'training',
  })
  phase?: TrainingProgress['phase'];
  @ApiPropertyOptional({ example: 3, description: '1-based' }) epoch?: number;
  @ApiPropertyOptional({ example: 30 }) epochs?: number;
  @ApiPropertyOptional({ example: 12, description: 'Step within the epoch (or the phase)' }) step?: number;
  @ApiPropertyOptional({ example: 40 }) stepsPerEpoch?: number;
  @ApiPropertyOptional({ example: 92, description: 'Steps taken in the training phase' }) globalStep?: number;
  @ApiPropertyOptional({ example: 1200 }) totalSteps?: number;
  @ApiPropertyOptional({ example: 0.41, description: 'Running training loss of the epoch' }) loss?: number;
  @ApiPropertyOptional({ example: 0.86 }) accuracy?: number;
  @ApiPropertyOptional({ example: 0.0019 }) learningRate?: number;
  @ApiPropertyOptional({ example: 61.5, description: 'Training images per second so far' })
  imagesPerSecond?: number;
  @ApiPropertyOptional({ example: 21.3, description: 'Of the whole job, 0-100' }) percent?: number;
  @ApiPropertyOptional({ example: 540, description: 'Estimated seconds left (training phase)' })
  etaSeconds?: number;
  @ApiPropertyOptional({ example: 130.2, description: 'Seconds since this attempt started' })
  elapsedSeconds?: number;
}

/** A checklist finding made readable (see libs/training/src/checklist/finding.explain.ts). */
export class FindingCardDto {
  @ApiProperty({ example: 'overfit-held-out' }) check!: string;
  @ApiProperty({ enum: ['pass', 'warn', 'fail'] }) status!: 'pass' | 'warn' | 'fail';
  @ApiProperty({ example: 'Do the labels belong to the images?' }) title!: string;
  @ApiProperty({ example: 'held-out accuracy 44.4% on 54 images' }) measured!: string;
  @ApiProperty({ example: 'above chance: > 87.8% (majority class 80.0%)' }) expected!: string;
  @ApiProperty() meaning!: string;
  @ApiProperty() action!: string;
  @ApiProperty({ example: 'The run carried on: the checklist reports, it does not stop a training.' })
  outcome!: string;
  @ApiProperty({ description: "The engine's message, numbers rounded" }) message!: string;
}

export class TrainingJobDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: TRAINING_JOB_STATUSES }) status!: TrainingJobStatus;
  @ApiProperty({ type: Object }) config!: Record<string, unknown>;
  /** Empty until the trainer first reports. */
  @ApiProperty({ type: TrainingProgressDto }) progress!: Partial<TrainingProgress>;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The last complete checkpoint (one per epoch); a cancelled job keeps it for a resume',
  })
  checkpointKey!: string | null;
  @ApiProperty({ type: [Object] }) checklist!: ChecklistFinding[];
  @ApiProperty({ nullable: true, type: String }) labelSetId!: string | null;
  @ApiProperty({ nullable: true, type: String }) teacherId!: string | null;
  @ApiProperty({ nullable: true, type: String }) modelVersionId!: string | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty() attempt!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) startedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) finishedAt!: string | null;
}

export class TrainingEpochDto {
  @ApiProperty() epoch!: number;
  @ApiProperty({ type: Object }) metrics!: Record<string, number | undefined>;
  @ApiProperty() createdAt!: string;
}

export class TrainingJobDetailDto extends TrainingJobDto {
  @ApiProperty({ type: [TrainingEpochDto] }) epochs!: TrainingEpochDto[];
  @ApiProperty({ description: 'The end of the job log' }) logTail!: string;
  @ApiProperty({ type: [FindingCardDto], description: 'The checklist findings, readable' })
  findings!: FindingCardDto[];
}

export function mapTrainingJob(job: TrainingJobEntity): TrainingJobDto {
  return {
    id: job.id,
    status: job.status,
    config: job.config,
    progress: job.progress,
    checklist: job.checklist,
    checkpointKey: job.checkpointKey,
    labelSetId: job.labelSetId,
    teacherId: job.teacherId,
    modelVersionId: job.modelVersionId,
    error: job.error,
    attempt: job.attempt,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

export function mapEpoch(epoch: TrainingEpochEntity): TrainingEpochDto {
  return { epoch: epoch.epoch, metrics: epoch.metrics, createdAt: epoch.createdAt.toISOString() };
}
