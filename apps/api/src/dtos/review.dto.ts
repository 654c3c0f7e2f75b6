import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { REVIEW_DECISIONS, type ReviewDecision, type ReviewEntity } from '@linescope/db';
import { IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';

export class CreateReviewDto {
  @ApiProperty({
    enum: REVIEW_DECISIONS,
    description: "The reviewer's verdict: it becomes the training label",
  })
  @IsIn(REVIEW_DECISIONS)
  decision!: ReviewDecision;

  @ApiPropertyOptional({ example: 'crack', description: 'Only with decision = defect' })
  @ValidateIf((review: CreateReviewDto) => review.defectType !== undefined)
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
    message: 'defectType must be 1-64 lowercase letters, digits, _ or -',
  })
  defectType?: string;

  @ApiPropertyOptional({ example: 'hairline crack at the left edge' })
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  note?: string;
}

export class ReviewDto {
  @ApiProperty() id!: string;
  @ApiProperty() inspectionId!: string;
  @ApiProperty() reviewerId!: string;
  @ApiProperty({ enum: REVIEW_DECISIONS }) decision!: ReviewDecision;
  @ApiProperty({ nullable: true, type: String }) defectType!: string | null;
  @ApiProperty() note!: string;
  @ApiProperty() createdAt!: string;
}

export function mapReview(review: ReviewEntity): ReviewDto {
  return {
    id: review.id,
    inspectionId: review.inspectionId,
    reviewerId: review.reviewerId,
    decision: review.decision,
    defectType: review.defectType,
    note: review.note,
    createdAt: review.createdAt.toISOString(),
  };
}
