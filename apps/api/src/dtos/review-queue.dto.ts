import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsISO8601, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { InspectionDto } from './inspection.dto';
import { ReviewDto } from './review.dto';

export const QUEUE_VERDICTS = ['uncertain', 'defect'] as const;
export type QueueVerdict = (typeof QUEUE_VERDICTS)[number];

export class ReviewQueueFilterDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() lineId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() cameraId?: string;
  @ApiPropertyOptional({ description: 'received at or after (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;
  @ApiPropertyOptional({ description: 'received before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() modelVersionId?: string;
}

export class ClaimReviewItemsDto extends ReviewQueueFilterDto {
  @ApiPropertyOptional({ enum: QUEUE_VERDICTS }) @IsOptional() @IsIn(QUEUE_VERDICTS) verdict?: QueueVerdict;

  @ApiPropertyOptional({ default: 5, minimum: 1, maximum: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;

  @ApiPropertyOptional({
    type: [String],
    description: 'Inspections not to hand out (e.g. the ones on screen)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true })
  exclude?: string[];
}

export class ReleaseReviewItemsDto {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true })
  inspectionIds!: string[];
}

export class ReviewQueueSummaryDto {
  @ApiProperty() uncertain!: number;
  @ApiProperty() defect!: number;
  @ApiProperty() total!: number;
  @ApiProperty({ description: 'Waiting items other reviewers hold right now' }) claimedByOthers!: number;
}

export class ReviewItemLineDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String] }) defectTypes!: string[];
}

export class ReviewItemModelDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() version!: number;
}

export class ReviewItemDecisionDto {
  @ApiProperty({ nullable: true, type: Number }) threshold!: number | null;
  @ApiProperty({ nullable: true, type: Number }) uncertainLow!: number | null;
  @ApiProperty({ nullable: true, type: Number }) uncertainHigh!: number | null;
  @ApiProperty({
    enum: ['line', 'model', 'none'],
    description: "line: the line overrides at least one value; model: the model version's own; none: neither",
  })
  source!: 'line' | 'model' | 'none';
}

export class ReviewItemDto extends InspectionDto {
  @ApiProperty() claimExpiresAt!: string;
  @ApiProperty({ type: ReviewItemLineDto }) line!: ReviewItemLineDto;
  @ApiProperty() cameraName!: string;
  @ApiProperty({ type: ReviewItemModelDto, nullable: true }) model!: ReviewItemModelDto | null;
  @ApiProperty({ type: ReviewItemDecisionDto }) decision!: ReviewItemDecisionDto;
  @ApiProperty({ type: [ReviewDto], description: 'Earlier reviews, oldest first' }) reviews!: ReviewDto[];
}

export class ReviewItemsDto {
  @ApiProperty({ type: [ReviewItemDto] }) items!: ReviewItemDto[];
}
