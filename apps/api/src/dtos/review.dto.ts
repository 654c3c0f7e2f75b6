import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { REVIEW_DECISIONS, type ReviewDecision } from '@linescope/db';
import { IsIn, IsOptional, IsUUID, Length, Matches, ValidateIf } from 'class-validator';
import { IsText } from './text.validators';

export class CreateReviewDto {
  @ApiProperty({
    enum: REVIEW_DECISIONS,
    description: "The reviewer's verdict: it becomes the training label",
  })
  @IsIn(REVIEW_DECISIONS)
  decision!: ReviewDecision;

  @ApiPropertyOptional({ example: 'crack', description: 'Only with decision = defect' })
  @ValidateIf((review: CreateReviewDto) => review.defectType !== undefined)
  @IsText()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
    message: 'defectType must be 1-64 lowercase letters, digits, _ or -',
  })
  defectType?: string;

  @ApiPropertyOptional({ example: 'hairline crack at the left edge' })
  @IsOptional()
  @IsText({ multiline: true })
  @Length(0, 2000)
  note?: string;

  @ApiPropertyOptional({
    description:
      'The earlier review of the same inspection this one corrects (undo); 400 invalid_supersedes otherwise',
  })
  @IsOptional()
  @IsUUID()
  supersedesReviewId?: string;
}

export class ReviewDto {
  @ApiProperty() id!: string;
  @ApiProperty() inspectionId!: string;
  @ApiProperty() reviewerId!: string;
  @ApiProperty() reviewerName!: string;
  @ApiProperty({ enum: REVIEW_DECISIONS }) decision!: ReviewDecision;
  @ApiProperty({ nullable: true, type: String }) defectType!: string | null;
  @ApiProperty() note!: string;
  @ApiProperty({ nullable: true, type: String }) supersedesReviewId!: string | null;
  @ApiProperty() createdAt!: string;
}

/** A review as the repository reads it, with the reviewer's display name. */
export interface ReviewRecord {
  id: string;
  inspectionId: string;
  reviewerId: string;
  reviewerName: string;
  decision: ReviewDecision;
  defectType: string | null;
  note: string;
  supersedesReviewId: string | null;
  createdAt: Date;
}

export function mapReview(review: ReviewRecord): ReviewDto {
  return { ...review, createdAt: review.createdAt.toISOString() };
}
