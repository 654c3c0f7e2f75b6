import { Injectable } from '@nestjs/common';
import { InspectionEntity, ReviewEntity } from '@linescope/db';
import { DataSource } from 'typeorm';
import { type UserPrincipal } from '../auth/principals';
import { type CreateReviewDto, type ReviewDto, mapReview } from '../dtos/review.dto';
import { ApiError } from '../errors/api-error';

/** QA verdicts on inspections. Append-only: a change of mind is a new review; the latest one is the label. */
@Injectable()
export class ReviewService {
  constructor(private readonly dataSource: DataSource) {}

  async create(inspectionId: string, input: CreateReviewDto, reviewer: UserPrincipal): Promise<ReviewDto> {
    if (input.decision === 'ok' && input.defectType)
      throw new ApiError(400, 'invalid_review', 'a defect type goes only with decision = defect');
    return this.dataSource.transaction(async (manager) => {
      const inspection = await manager.getRepository(InspectionEntity).findOneBy({ id: inspectionId });
      if (!inspection) throw new ApiError(404, 'inspection_not_found', `no inspection ${inspectionId}`);
      const review = await manager.getRepository(ReviewEntity).save({
        inspectionId,
        reviewerId: reviewer.userId,
        decision: input.decision,
        defectType: input.defectType ?? null,
        note: input.note ?? '',
      });
      return mapReview(review);
    });
  }

  async list(inspectionId: string): Promise<ReviewDto[]> {
    const reviews = await this.dataSource
      .getRepository(ReviewEntity)
      .find({ where: { inspectionId }, order: { createdAt: 'ASC' } });
    return reviews.map(mapReview);
  }
}
