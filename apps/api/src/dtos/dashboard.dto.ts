import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsUUID } from 'class-validator';

export class DashboardRangeQueryDto {
  @ApiPropertyOptional({ description: 'ISO 8601; default: 24 hours before `to`' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'ISO 8601; default: now. At most 400 days after `from`' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class LineDashboardQueryDto extends DashboardRangeQueryDto {
  @ApiPropertyOptional({ description: 'Only this camera of the line' })
  @IsOptional()
  @IsUUID()
  cameraId?: string;
}

export class DashboardModelDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() version!: number;
}

export class TotalsDto {
  @ApiProperty() total!: number;
  @ApiProperty() ok!: number;
  @ApiProperty() defect!: number;
  @ApiProperty() uncertain!: number;
  @ApiProperty() pending!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ description: 'Uncertain or defect, not reviewed yet' }) reviewBacklog!: number;
  @ApiProperty({ description: 'defect / scored (0 when nothing was scored)' }) defectRate!: number;
  @ApiProperty({ description: 'uncertain / scored (0 when nothing was scored)' }) uncertainRate!: number;
  @ApiProperty({ description: 'Inspections received per minute over the period' })
  throughputPerMinute!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Median of latency.totalMs' })
  p50LatencyMs!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: '99th percentile of latency.totalMs' })
  p99LatencyMs!: number | null;
}

export class SeriesPointDto extends TotalsDto {
  @ApiProperty({ description: 'Start of the bucket; the bucket ends bucketSeconds later' }) t!: string;
}

export class CameraDashboardDto {
  @ApiProperty() cameraId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) lastSeenAt!: string | null;
  @ApiProperty() total!: number;
  @ApiProperty() defectRate!: number;
  @ApiProperty() uncertainRate!: number;
}

export class DashboardLineRefDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
}

export class LineDashboardDto {
  @ApiProperty({ type: DashboardLineRefDto }) line!: DashboardLineRefDto;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ description: 'From 60 (1 minute) to 86400 (1 day), chosen for at most ~200 points' })
  bucketSeconds!: number;
  @ApiProperty({ type: DashboardModelDto, nullable: true }) servingModel!: DashboardModelDto | null;
  @ApiProperty({ type: TotalsDto }) totals!: TotalsDto;
  @ApiProperty({ type: [SeriesPointDto] }) series!: SeriesPointDto[];
  @ApiProperty({ type: [CameraDashboardDto] }) cameras!: CameraDashboardDto[];
}

export class LineOverviewDto extends TotalsDto {
  @ApiProperty() lineId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: DashboardModelDto, nullable: true }) servingModel!: DashboardModelDto | null;
}

export class OverviewDto {
  @ApiProperty({ type: [LineOverviewDto] }) lines!: LineOverviewDto[];
}
