import { ApiProperty } from '@nestjs/swagger';

export class LineStorageDto {
  @ApiProperty() lineId!: string;
  @ApiProperty({ example: 'tiles-line-1' }) name!: string;
  @ApiProperty({ description: 'Inspection rows, purged images included', example: 1_250_000 }) rows!: number;
  @ApiProperty({ description: 'Rows whose image is still stored', example: 410_000 }) imagesStored!: number;
  @ApiProperty({ description: 'Bytes of the stored images', example: 20_500_000_000 }) imageBytes!: number;
  @ApiProperty({ description: 'Image bytes received per day (last 3 days)', example: 2_100_000_000 })
  bytesPerDay!: number;
  @ApiProperty({ description: 'Inspections per day (last 3 days)', example: 42_000 }) rowsPerDay!: number;
}

export class StorageTotalsDto {
  @ApiProperty() rows!: number;
  @ApiProperty() imagesStored!: number;
  @ApiProperty() imageBytes!: number;
  @ApiProperty() bytesPerDay!: number;
}

export class DiskUsageDto {
  @ApiProperty({ description: 'The folder measured (the data folder or its nearest existing parent)' })
  path!: string;
  @ApiProperty() totalBytes!: number;
  @ApiProperty() freeBytes!: number;
  @ApiProperty({ example: 0.42 }) usedRatio!: number;
  @ApiProperty({ description: 'DISK_WARN_RATIO', example: 0.8 }) warnRatio!: number;
  @ApiProperty({ required: false, description: 'Set past DISK_WARN_RATIO' }) warning?: string;
}

export class StorageProjectionDto {
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "At today's rate the store is full in this many days; null when it cannot be told",
    example: 37,
  })
  daysUntilFull!: number | null;
  @ApiProperty({ description: 'What the projection is based on, or why there is none' }) basis!: string;
}

export class StorageDto {
  @ApiProperty({ enum: ['fs', 's3'] }) driver!: 'fs' | 's3';
  @ApiProperty({ type: [LineStorageDto] }) lines!: LineStorageDto[];
  @ApiProperty({ type: StorageTotalsDto }) totals!: StorageTotalsDto;
  @ApiProperty({ type: DiskUsageDto }) disk!: DiskUsageDto;
  @ApiProperty({ type: StorageProjectionDto }) projection!: StorageProjectionDto;
}
