import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type ProductionLineEntity, VERDICT_MODES, type VerdictMode } from '@linescope/db';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsText } from './text.validators';

export const DEFECT_TYPE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** A line's nullable override of a retention default: whole days, 1 to 100 years; null falls back to the default. */
function OptionalRetentionDays(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description, nullable: true, type: Number, example: null }),
    IsOptional(),
    ValidateIf((_, value) => value !== null),
    IsInt(),
    Min(1),
    Max(36_500),
  );
}

export class CreateLineDto {
  @ApiProperty({ example: 'tiles-line-1' })
  @IsText()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'name must be 1-64 letters, digits, . _ -' })
  name!: string;

  @ApiPropertyOptional({ example: 'Pressing line, hall B' })
  @IsOptional()
  @IsText()
  @Length(0, 500)
  description?: string;

  @ApiPropertyOptional({ enum: VERDICT_MODES, default: 'sync' })
  @IsOptional()
  @IsIn(VERDICT_MODES)
  verdictMode?: VerdictMode;

  @ApiPropertyOptional({
    description: 'How long a sync upload waits for its verdict before answering pending',
    default: 200,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(60_000)
  verdictDeadlineMs?: number;

  @ApiPropertyOptional({
    description: "Overrides the model's operating threshold on this line",
    nullable: true,
    type: Number,
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsNumber()
  @Min(0)
  @Max(1)
  operatingThreshold?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsNumber()
  @Min(0)
  @Max(1)
  uncertainLow?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsNumber()
  @Min(0)
  @Max(1)
  uncertainHigh?: number | null;

  @ApiPropertyOptional({
    description: 'Per-line model override; null serves the production model',
    nullable: true,
    type: String,
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUUID()
  modelVersionId?: string | null;

  @ApiPropertyOptional({
    type: [String],
    example: ['crack', 'blowhole'],
    description: 'Defect-type keys offered by the review station (keys 1..9), at most 50',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @Matches(DEFECT_TYPE, {
    each: true,
    message:
      'each defect type must be 1-64 lowercase letters, digits, _ or - (starting with a letter or digit)',
  })
  defectTypes?: string[];

  @ApiPropertyOptional({ example: 'https://mes.example.com/linescope', nullable: true, type: String })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  webhookUrl?: string | null;

  @OptionalRetentionDays(
    'Days to keep images judged ok, never reviewed; null: the product-wide default (RETENTION_OK_DAYS, 30)',
  )
  retainOkDays?: number | null;

  @OptionalRetentionDays(
    'Days to keep images judged defect or uncertain (or failed), never reviewed; null: the product-wide default (RETENTION_FLAGGED_DAYS, 180)',
  )
  retainFlaggedDays?: number | null;

  @OptionalRetentionDays(
    'Days to keep images reviewed by a person; null: the product-wide default (RETENTION_REVIEWED_DAYS, 730)',
  )
  retainReviewedDays?: number | null;
}

export class UpdateLineDto extends CreateLineDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsText()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'name must be 1-64 letters, digits, . _ -' })
  declare name: string;
}

export class LineDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: VERDICT_MODES }) verdictMode!: VerdictMode;
  @ApiProperty() verdictDeadlineMs!: number;
  @ApiProperty({ nullable: true, type: Number }) operatingThreshold!: number | null;
  @ApiProperty({ nullable: true, type: Number }) uncertainLow!: number | null;
  @ApiProperty({ nullable: true, type: Number }) uncertainHigh!: number | null;
  @ApiProperty({ nullable: true, type: String }) modelVersionId!: string | null;
  @ApiProperty({ type: [String] }) defectTypes!: string[];
  @ApiProperty({ nullable: true, type: String }) webhookUrl!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'null: RETENTION_OK_DAYS' }) retainOkDays!:
    number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'null: RETENTION_FLAGGED_DAYS' })
  retainFlaggedDays!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'null: RETENTION_REVIEWED_DAYS' })
  retainReviewedDays!: number | null;
  @ApiProperty() createdAt!: string;
}

export class CreatedLineDto extends LineDto {
  @ApiPropertyOptional({
    description: 'Secret that signs webhook payloads (HMAC-SHA256). Shown only when a webhook is set.',
  })
  webhookSecret?: string;
}

export function mapLine(line: ProductionLineEntity): LineDto {
  return {
    id: line.id,
    name: line.name,
    description: line.description,
    verdictMode: line.verdictMode,
    verdictDeadlineMs: line.verdictDeadlineMs,
    operatingThreshold: line.operatingThreshold,
    uncertainLow: line.uncertainLow,
    uncertainHigh: line.uncertainHigh,
    modelVersionId: line.modelVersionId,
    defectTypes: line.defectTypes,
    webhookUrl: line.webhookUrl,
    retainOkDays: line.retainOkDays,
    retainFlaggedDays: line.retainFlaggedDays,
    retainReviewedDays: line.retainReviewedDays,
    createdAt: line.createdAt.toISOString(),
  };
}

export class WebhookTestResultDto {
  @ApiProperty({ example: 'https://mes.example.com/linescope' }) url!: string;
  @ApiProperty({ description: 'The receiver answered 2xx', example: true }) delivered!: boolean;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "The receiver's HTTP status; null when no answer came (network error, timeout)",
    example: 200,
  })
  httpStatus!: number | null;
  @ApiProperty({ description: 'From sending to the answer (or the failure), in ms', example: 42 })
  latencyMs!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why it was not delivered',
    example: null,
  })
  error!: string | null;
  @ApiProperty({ example: '2026-12-03T08:15:00.000Z' }) sentAt!: string;
}
