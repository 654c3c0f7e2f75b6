import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG } from '@linescope/platform';
import { mapInspection } from '../dtos/inspection.dto';
import { mapReview } from '../dtos/review.dto';
import {
  type ClaimReviewItemsDto,
  type ReviewItemDecisionDto,
  type ReviewItemDto,
  type ReviewItemsDto,
  type ReviewQueueFilterDto,
  type ReviewQueueSummaryDto,
} from '../dtos/review-queue.dto';
import { type ClaimedItem, ReviewQueueRepository } from '../repositories/review-queue.repository';
import { ReviewRepository } from '../repositories/review.repository';

const DEFAULT_CLAIM = 5;

/** The QA review station's queue: uncertain first, then defect, oldest first; items claimed for a short while. */
@Injectable()
export class ReviewQueueService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: ReviewQueueRepository,
    private readonly reviews: ReviewRepository,
  ) {}

  summary(filter: ReviewQueueFilterDto, userId: string): Promise<ReviewQueueSummaryDto> {
    return this.queue.counts(filter, userId);
  }

  async claim(input: ClaimReviewItemsDto, userId: string): Promise<ReviewItemsDto> {
    const ids = await this.queue.claim(
      userId,
      input,
      input.limit ?? DEFAULT_CLAIM,
      input.exclude ?? [],
      this.config.console.reviewClaimSeconds,
    );
    const [items, reviews] = await Promise.all([this.queue.load(userId, ids), this.reviews.listFor(ids)]);
    return {
      items: items.map((item): ReviewItemDto => ({
        ...mapInspection(item.inspection),
        claimExpiresAt: item.claimExpiresAt.toISOString(),
        line: item.line,
        cameraName: item.cameraName,
        model: item.model,
        decision: effectiveDecision(item),
        reviews: reviews.filter((review) => review.inspectionId === item.inspection.id).map(mapReview),
      })),
    };
  }

  release(inspectionIds: string[], userId: string): Promise<void> {
    return this.queue.release(userId, inspectionIds);
  }
}

/** Each value from the line's override, else the model version's own (the precedence inference applies). */
function effectiveDecision(item: ClaimedItem): ReviewItemDecisionDto {
  const { lineRule: line, modelRule: model } = item;
  const lineSets = line.threshold !== null || line.low !== null || line.high !== null;
  const modelSets = model.threshold !== null || model.low !== null || model.high !== null;
  return {
    threshold: line.threshold ?? model.threshold,
    uncertainLow: line.low ?? model.low,
    uncertainHigh: line.high ?? model.high,
    source: lineSets ? 'line' : modelSets ? 'model' : 'none',
  };
}
