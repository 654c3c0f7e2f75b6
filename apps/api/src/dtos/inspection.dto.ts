import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  INSPECTION_STATUSES,
  type InspectionEntity,
  type InspectionStatus,
  type LatencyBreakdown,
  VERDICTS,
  type Verdict,
} from '@linescope/db';
import { Type } from 'class-transformer';
import { IsBooleanString, IsIn, IsInt, IsISO8601, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { IsText } from './text.validators';

export class ImageInfoDto {
  @ApiProperty({ example: 'jpeg' }) format!: string;
  @ApiProperty({ example: 640 }) width!: number;
  @ApiProperty({ example: 480 }) height!: number;
  @ApiProperty({ example: 48213 }) bytes!: number;
  @ApiProperty() sha256!: string;
}

export class InspectionDto {
  @ApiProperty() id!: string;
  @ApiProperty() lineId!: string;
  @ApiProperty() cameraId!: string;
  @ApiProperty({ nullable: true, type: String, example: 'SN-000123' }) productSerial!: string | null;
  @ApiProperty({ nullable: true, type: String }) capturedAt!: string | null;
  @ApiProperty() receivedAt!: string;
  @ApiProperty({ enum: INSPECTION_STATUSES }) status!: InspectionStatus;
  // null in the enum too: OpenAPI 3.0 validators check `enum` before `nullable`.
  @ApiProperty({ enum: [...VERDICTS, null], nullable: true }) verdict!: Verdict | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Defect score in [0, 1]' }) score!: number | null;
  @ApiProperty({ nullable: true, type: Object, example: { ok: 0.93, defect: 0.07 } })
  probabilities!: Record<string, number> | null;
  @ApiProperty({ nullable: true, type: String }) modelVersionId!: string | null;
  @ApiProperty({ nullable: true, type: Object, example: { storeMs: 2.1, forwardMs: 9.8, totalMs: 19.4 } })
  latency!: LatencyBreakdown | null;
  @ApiProperty({ type: ImageInfoDto }) image!: ImageInfoDto;
  @ApiProperty() heatmapAvailable!: boolean;
  @ApiProperty({ nullable: true, type: String }) failureReason!: string | null;
  @ApiProperty({ example: '/api/v1/inspections/3f0c.../thumbnail', description: 'WebP, longest side 256 px' })
  thumbnailUrl!: string;
  @ApiProperty({ example: '/api/v1/inspections/3f0c.../image' }) imageUrl!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    example: '/api/v1/inspections/3f0c.../heatmap',
    description:
      'Set for every scored defect or uncertain inspection: fetching it renders the heatmap first if it is not ' +
      'rendered yet (`heatmapAvailable` false); null for other verdicts',
  })
  heatmapUrl!: string | null;
  @ApiProperty({ description: 'How many reviews the inspection has' }) reviewCount!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'When retention deleted the image, its heatmap and thumbnail (their URLs then answer 410 image_purged); ' +
      'the verdict, score and reviews stay',
  })
  imagePurgedAt!: string | null;
}

export class InspectionPageDto {
  @ApiProperty({ type: [InspectionDto] }) items!: InspectionDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` to get the next page' })
  nextCursor!: string | null;
}

export class InspectionLinksDto {
  @ApiProperty({ description: 'Signed URL of the image, valid until expiresAt' }) image!: string;
  @ApiProperty({ nullable: true, type: String }) heatmap!: string | null;
  @ApiProperty() expiresAt!: string;
}

export class UploadFieldsDto {
  @ApiPropertyOptional({ example: 'SN-000123', description: 'Product serial number' })
  @IsOptional()
  @IsText()
  serial?: string;

  @ApiPropertyOptional({
    example: '2026-11-29T08:15:00.000Z',
    description: 'When the camera took the picture',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  capturedAt?: string;

  @ApiPropertyOptional({
    description: 'A retry with the same key returns the first result (also as Idempotency-Key header)',
  })
  @IsOptional()
  @IsText()
  idempotencyKey?: string;
}

export class InspectionQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsUUID() lineId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() cameraId?: string;
  @ApiPropertyOptional({ enum: VERDICTS }) @IsOptional() @IsIn(VERDICTS) verdict?: Verdict;
  @ApiPropertyOptional({ enum: INSPECTION_STATUSES })
  @IsOptional()
  @IsIn(INSPECTION_STATUSES)
  status?: InspectionStatus;
  @ApiPropertyOptional({ description: 'true: only reviewed; false: only not yet reviewed' })
  @IsOptional()
  @IsBooleanString()
  reviewed?: string;
  @ApiPropertyOptional({
    description: 'true: verdict uncertain or defect and no review yet; false: everything else',
  })
  @IsOptional()
  @IsBooleanString()
  needsReview?: string;
  @ApiPropertyOptional({ description: 'scored by this model version' })
  @IsOptional()
  @IsUUID()
  modelVersionId?: string;
  @ApiPropertyOptional({ description: 'received at or after (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;
  @ApiPropertyOptional({ description: 'received before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsText()
  cursor?: string;
}

export function mapInspection(row: InspectionEntity): InspectionDto {
  return {
    id: row.id,
    lineId: row.lineId,
    cameraId: row.cameraId,
    productSerial: row.productSerial,
    capturedAt: row.capturedAt?.toISOString() ?? null,
    receivedAt: row.receivedAt.toISOString(),
    status: row.status,
    verdict: row.verdict,
    score: row.score,
    probabilities: row.probabilities,
    modelVersionId: row.modelVersionId,
    latency: row.latency,
    image: {
      format: row.format,
      width: row.width,
      height: row.height,
      bytes: row.imageBytes,
      sha256: row.imageSha256,
    },
    heatmapAvailable: row.heatmapKey !== null,
    failureReason: row.failureReason,
    thumbnailUrl: `/api/v1/inspections/${row.id}/thumbnail`,
    imageUrl: `/api/v1/inspections/${row.id}/image`,
    heatmapUrl:
      row.heatmapKey !== null || heatmapExpected(row) ? `/api/v1/inspections/${row.id}/heatmap` : null,
    reviewCount: row.reviewCount,
    imagePurgedAt: row.imagePurgedAt?.toISOString() ?? null,
  };
}

/** A scored defect or uncertain inspection has a heatmap, rendered by its job or on demand when first fetched. */
function heatmapExpected(row: Pick<InspectionEntity, 'status' | 'verdict'>): boolean {
  return row.status === 'scored' && (row.verdict === 'defect' || row.verdict === 'uncertain');
}
