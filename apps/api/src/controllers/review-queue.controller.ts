import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import {
  ClaimReviewItemsDto,
  ReleaseReviewItemsDto,
  ReviewItemsDto,
  ReviewQueueFilterDto,
  ReviewQueueSummaryDto,
} from '../dtos/review-queue.dto';
import { ApiErrors, ApiJsonBody } from '../openapi/api-docs';
import { EXAMPLE_IDS } from '../openapi/example-ids';
import { EXAMPLES } from '../openapi/examples';
import { ReviewQueueService } from '../services/review-queue.service';

@ApiTags('review-queue')
@Allow('admin', 'ml_engineer', 'qa')
@Controller('api/v1/review-queue')
export class ReviewQueueController {
  constructor(private readonly queue: ReviewQueueService) {}

  @Get('summary')
  @ApiOperation({ summary: 'How many items wait for review' })
  @ApiOkResponse({
    type: ReviewQueueSummaryDto,
    description: 'Unreviewed uncertain and defect items waiting',
    example: { uncertain: 12, defect: 5, total: 17, claimedByOthers: 3 },
  })
  @ApiErrors(400)
  summary(
    @Query() filter: ReviewQueueFilterDto,
    @CurrentPrincipal() user: UserPrincipal,
  ): Promise<ReviewQueueSummaryDto> {
    return this.queue.summary(filter, user.userId);
  }

  @Post('claim')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Claim the next items to review',
    description:
      "Uncertain first, then defect, oldest first. The caller's own unexpired claims come first (and are " +
      'extended), then new ones; two reviewers never receive the same item. A claim lasts REVIEW_CLAIM_SECONDS.',
  })
  @ApiJsonBody(ClaimReviewItemsDto, { lineId: EXAMPLE_IDS.line, limit: 5 })
  @ApiOkResponse({
    type: ReviewItemsDto,
    example: {
      items: [
        {
          ...EXAMPLES.inspection,
          claimExpiresAt: '2026-11-29T08:25:00.000Z',
          line: { id: EXAMPLE_IDS.line, name: 'tiles-line-1', defectTypes: ['crack', 'blowhole'] },
          cameraName: 'cam-top-1',
          model: EXAMPLES.servingModel,
          decision: { threshold: 0.5, uncertainLow: 0.35, uncertainHigh: 0.65, source: 'model' },
          reviews: [EXAMPLES.review],
        },
      ],
    },
  })
  @ApiErrors(400)
  claim(@Body() body: ClaimReviewItemsDto, @CurrentPrincipal() user: UserPrincipal): Promise<ReviewItemsDto> {
    return this.queue.claim(body, user.userId);
  }

  @Post('release')
  @HttpCode(204)
  @ApiOperation({ summary: "Release the caller's claims on these items" })
  @ApiJsonBody(ReleaseReviewItemsDto, { inspectionIds: [EXAMPLE_IDS.inspection] })
  @ApiNoContentResponse({ description: 'Released (ids the caller did not hold are ignored)' })
  @ApiErrors(400)
  release(@Body() body: ReleaseReviewItemsDto, @CurrentPrincipal() user: UserPrincipal): Promise<void> {
    return this.queue.release(body.inspectionIds, user.userId);
  }
}
