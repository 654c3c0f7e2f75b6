import { Injectable } from '@nestjs/common';
import { DatabaseTransactions } from '@linescope/db';
import { type UserPrincipal } from '../auth/principals';
import { type CreateReviewDto, type ReviewDto, mapReview } from '../dtos/review.dto';
import { ApiError } from '../errors/api-error';
import { ReviewQueueRepository } from '../repositories/review-queue.repository';
import { ReviewRepository } from '../repositories/review.repository';

/**
 * QA verdicts on inspections. Append-only: a change of mind is a new review (an undo names the review it
 * corrects in supersedesReviewId); the latest one is the label. Posting a review releases the reviewer's claim.
 */
@Injectable()
export class ReviewService {
  constructor(
    private readonly transactions: DatabaseTransactions,
    private readonly reviews: ReviewRepository,
  ) {}

  async create(inspectionId: string, input: CreateReviewDto, reviewer: UserPrincipal): Promise<ReviewDto> {
    if (input.decision === 'ok' && input.defectType)
      throw new ApiError(400, 'invalid_review', 'a defect type goes only with decision = defect');
    const supersedesReviewId = input.supersedesReviewId ?? null;
    const review = await this.transactions.run(async (tx) => {
      const reviews = tx.get(ReviewRepository);
      if (!(await reviews.inspectionExists(inspectionId)))
        throw new ApiError(404, 'inspection_not_found', `no inspection ${inspectionId}`);
      if (supersedesReviewId && !(await reviews.isReviewOf(supersedesReviewId, inspectionId)))
        throw new ApiError(
          400,
          'invalid_supersedes',
          `supersedesReviewId ${supersedesReviewId} is not a review of inspection ${inspectionId}`,
        );
      const created = await reviews.insert({
        inspectionId,
        reviewerId: reviewer.userId,
        decision: input.decision,
        defectType: input.defectType ?? null,
        note: input.note ?? '',
        supersedesReviewId,
      });
      await tx.get(ReviewQueueRepository).release(reviewer.userId, [inspectionId]);
      return created;
    });
    return mapReview(review);
  }

  async list(inspectionId: string): Promise<ReviewDto[]> {
    return (await this.reviews.listFor([inspectionId])).map(mapReview);
  }
}
