import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG } from '@linescope/platform';
import { type ThresholdOverrides, resolveDecisionRule } from '@linescope/verdict';
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

/** Reads a threshold triple as `resolveDecisionRule` takes overrides. */
function overrides(rule: ClaimedItem['lineRule']): ThresholdOverrides {
  return { operatingThreshold: rule.threshold, uncertainLow: rule.low, uncertainHigh: rule.high };
}

/**
 * The threshold and band that produced the item's verdict, resolved as inference resolves them (line over model
 * over manifest, a conflict settled in favour of the more specific level). The API reads no artifact: the model
 * row's values stand for its manifest's operating point, which the registry copies onto the row. When a value is
 * known at no level the rule cannot be resolved, and each value is shown as stored (null where unknown).
 */
export function effectiveDecision(item: Pick<ClaimedItem, 'lineRule' | 'modelRule'>): ReviewItemDecisionDto {
  const line = overrides(item.lineRule);
  const model = overrides(item.modelRule);
  const lineSets = Object.values(line).some((value) => value !== null);
  const modelSets = Object.values(model).some((value) => value !== null);
  const source = lineSets ? 'line' : modelSets ? 'model' : 'none';
  const threshold = line.operatingThreshold ?? model.operatingThreshold;
  const low = line.uncertainLow ?? model.uncertainLow;
  const high = line.uncertainHigh ?? model.uncertainHigh;
  if (threshold === null || low === null || high === null)
    return { threshold, uncertainLow: low, uncertainHigh: high, source };
  const manifest = {
    threshold: model.operatingThreshold ?? threshold,
    uncertainBand: { low: model.uncertainLow ?? low, high: model.uncertainHigh ?? high },
  };
  const rule = resolveDecisionRule(manifest, model, line);
  return { threshold: rule.threshold, uncertainLow: rule.band.low, uncertainHigh: rule.band.high, source };
}
