import { Injectable } from '@nestjs/common';
import { type UserPrincipal } from '../auth/principals';
import { type CreateReviewDto, type ReviewDto, mapReview } from '../dtos/review.dto';
import { ApiError } from '../errors/api-error';
import { ReviewRepository } from '../repositories/review.repository';

/**
 * QA verdicts on inspections. Append-only: a change of mind is a new review (an undo names the review it
 * corrects in supersedesReviewId); the latest one is the label. Posting a review releases the reviewer's claim.
 */
@Injectable()
export class ReviewService {
  constructor(private readonly reviews: ReviewRepository) {}

  async create(inspectionId: string, input: CreateReviewDto, reviewer: UserPrincipal): Promise<ReviewDto> {
    if (input.decision === 'ok' && input.defectType)
      throw new ApiError(400, 'invalid_review', 'a defect type goes only with decision = defect');
    const result = await this.reviews.create({
      inspectionId,
      reviewerId: reviewer.userId,
      decision: input.decision,
      defectType: input.defectType ?? null,
      note: input.note ?? '',
      supersedesReviewId: input.supersedesReviewId ?? null,
    });
    switch (result.kind) {
      case 'inspection_not_found':
        throw new ApiError(404, 'inspection_not_found', `no inspection ${inspectionId}`);
      case 'invalid_supersedes':
        throw new ApiError(
          400,
          'invalid_supersedes',
          `supersedesReviewId ${input.supersedesReviewId} is not a review of inspection ${inspectionId}`,
        );
      case 'created':
        return mapReview(result.review);
    }
  }

  async list(inspectionId: string): Promise<ReviewDto[]> {
    return (await this.reviews.listFor([inspectionId])).map(mapReview);
  }
}
