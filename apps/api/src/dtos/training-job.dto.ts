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
import { IsText } from './text.validators';

/** Where a job's images and labels come from. */
export class DatasetSelectionDto {
  @ApiProperty({
    enum: ['reviews', 'folder'],
    description:
      "'reviews': the latest QA review of every reviewed inspection, frozen into a label set when the job starts; " +
      "'folder': a <class>/<image> folder under one of the server's TRAINING_DATA_ROOTS",
  })
  @IsIn(['reviews', 'folder'])
  kind!: 'reviews' | 'folder';

  @ApiPropertyOptional({ description: "With 'folder': the folder path" })
  @IsOptional()
  @IsText()
  @Length(1, 1000)
  path?: string;

  @ApiPropertyOptional({ type: [String], description: "With 'reviews': only these lines (default: all)" })
  @IsOptional()
  @IsArray()
  @IsUUID('all', { each: true })
  lineIds?: string[];
}

export class CreateTrainingJobDto {
  @ApiProperty({ type: DatasetSelectionDto })
  @ValidateNested()
  @Type(() => DatasetSelectionDto)
  dataset!: DatasetSelectionDto;

  @ApiProperty({
    type: Object,
    description:
      'The training configuration (model, optimizer, schedule, augmentation, checklist, ...); ' +
      'unset fields take their defaults and the fully resolved configuration is stored with the model',
    example: {
      model: { arch: 'resnet', depth: 10, width: 32, inputSize: 96 },
      epochs: 30,
      optimizer: { kind: 'adamw', lr: 0.001 },
      schedule: { kind: 'cosine', warmupEpochs: 1 },
      augmentation: { flipHorizontal: { p: 0.5 } },
    },
  })
  @IsObject()
  config!: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'A registered CNN model version to distil into a ViT student' })
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

export class TrainingJobDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: TRAINING_JOB_STATUSES }) status!: TrainingJobStatus;
  @ApiProperty({ type: Object }) config!: Record<string, unknown>;
  /** Empty until the trainer first reports. */
  @ApiProperty({ type: Object }) progress!: Partial<TrainingProgress>;
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
}

export function mapTrainingJob(job: TrainingJobEntity): TrainingJobDto {
  return {
    id: job.id,
    status: job.status,
    config: job.config,
    progress: job.progress,
    checklist: job.checklist,
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
