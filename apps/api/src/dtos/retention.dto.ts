import { ApiProperty } from '@nestjs/swagger';

export class RetentionPreviewLineDto {
  @ApiProperty() lineId!: string;
  @ApiProperty({ example: 'tiles-line-1' }) name!: string;
  @ApiProperty({ description: 'Days an ok image is kept on this line', example: 30 }) okDays!: number;
  @ApiProperty({ description: 'Days a defect or uncertain image is kept', example: 180 })
  flaggedDays!: number;
  @ApiProperty({ description: 'Days a reviewed image is kept', example: 730 }) reviewedDays!: number;
  @ApiProperty({ description: 'Images a run would delete now', example: 1200 }) images!: number;
  @ApiProperty({ description: 'Their bytes', example: 61_440_000 }) imageBytes!: number;
  @ApiProperty({
    description: 'Images past their days kept because a frozen label set of a trained model holds them',
    example: 40,
  })
  heldByLabelSets!: number;
}

export class RetentionPreviewDto {
  @ApiProperty({ type: [RetentionPreviewLineDto] }) lines!: RetentionPreviewLineDto[];
}

export class RetentionRunQueuedDto {
  @ApiProperty({ description: 'The apply-retention job; its outcome goes to the audit log (retention.run)' })
  jobId!: string;
}
