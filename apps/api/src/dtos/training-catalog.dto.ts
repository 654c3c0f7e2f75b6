import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Length } from 'class-validator';
import { IsText } from './text.validators';

export class ClassCountDto {
  @ApiProperty({ example: 'crazing' }) name!: string;
  @ApiProperty({ example: 300 }) images!: number;
}

export class DatasetFolderDto {
  @ApiProperty({
    example: 'neu-cls',
    description: 'The name to give as dataset.path when creating a job (relative to its root)',
  })
  name!: string;
  @ApiProperty({ example: '/srv/datasets', description: 'The TRAINING_DATA_ROOTS entry it is under' })
  root!: string;
  @ApiProperty({ example: 1800 }) images!: number;
  @ApiProperty({ type: [ClassCountDto] }) classes!: ClassCountDto[];
}

export class ReviewDataDto {
  @ApiProperty({
    example: 42,
    description: "Reviewed inspections a 'reviews' job started now would freeze (each one's latest review)",
  })
  images!: number;
  @ApiProperty({ type: [ClassCountDto], description: '`ok`, or the defect type (`defect` without one)' })
  classes!: ClassCountDto[];
}

export class LabelSetDto {
  @ApiProperty({ example: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1009' }) id!: string;
  @ApiProperty({ example: 'training-job-…' }) name!: string;
  @ApiProperty({ example: '2026-12-01T10:00:00.000Z' }) frozenAt!: string;
  @ApiProperty({ example: 40 }) images!: number;
  @ApiProperty({ type: [ClassCountDto] }) classes!: ClassCountDto[];
}

export class TrainingDatasetsDto {
  @ApiProperty({ type: [String], description: 'TRAINING_DATA_ROOTS', example: ['/srv/datasets'] })
  roots!: string[];
  @ApiProperty({
    type: [DatasetFolderDto],
    description: '<class>/<image> folders found directly under each root (and one level below)',
  })
  folders!: DatasetFolderDto[];
  @ApiProperty({ type: ReviewDataDto }) reviews!: ReviewDataDto;
  @ApiProperty({ type: [LabelSetDto], description: 'Label sets frozen by earlier jobs, newest first' })
  labelSets!: LabelSetDto[];
}

export class DurationEstimateDto {
  @ApiProperty({
    example: 95,
    description: 'Estimated wall time on this host, seconds (at most: early stopping may end sooner)',
  })
  seconds!: number;
  @ApiProperty({ example: 68 }) imagesPerSecond!: number;
  @ApiProperty({ example: 84 }) trainImages!: number;
  @ApiProperty({ example: 2 }) epochs!: number;
  @ApiProperty({ example: 'reference 68 images/s at 64 px (bench), scaled to 32 px' }) basis!: string;
  @ApiProperty({ example: 'neu-cls', description: 'The dataset the estimate counts the images of' })
  dataset!: string;
}

export class TrainingPresetDto {
  @ApiProperty({ example: 'quick-check' }) id!: string;
  @ApiProperty({ example: 'Quick check' }) title!: string;
  @ApiProperty() description!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The training configuration it sets (merged over the defaults)',
    example: { model: { arch: 'resnet', depth: 10, width: 8, inputSize: 32 }, epochs: 2 },
  })
  config!: Record<string, unknown>;
  @ApiProperty({ description: 'Needs a CNN teacher (teacherId) to be picked' }) needsTeacher!: boolean;
  @ApiPropertyOptional({ type: DurationEstimateDto, nullable: true }) estimate!: DurationEstimateDto | null;
}

export class PresetQueryDto {
  @ApiPropertyOptional({
    example: 'neu-cls',
    description: 'Dataset folder (name under the roots) to estimate the durations for; default: the largest',
  })
  @IsOptional()
  @IsText()
  @Length(1, 1000)
  dataset?: string;
}
