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
import { ReviewQueueService } from '../services/review-queue.service';

@ApiTags('review-queue')
@Allow('admin', 'ml_engineer', 'qa')
@Controller('api/v1/review-queue')
export class ReviewQueueController {
  constructor(private readonly queue: ReviewQueueService) {}

  @Get('summary')
  @ApiOkResponse({
    type: ReviewQueueSummaryDto,
    description: 'Unreviewed uncertain and defect items waiting',
  })
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
  @ApiOkResponse({ type: ReviewItemsDto })
  claim(@Body() body: ClaimReviewItemsDto, @CurrentPrincipal() user: UserPrincipal): Promise<ReviewItemsDto> {
    return this.queue.claim(body, user.userId);
  }

  @Post('release')
  @HttpCode(204)
  @ApiOperation({ summary: "Release the caller's claims on these items" })
  @ApiNoContentResponse()
  release(@Body() body: ReleaseReviewItemsDto, @CurrentPrincipal() user: UserPrincipal): Promise<void> {
    return this.queue.release(body.inspectionIds, user.userId);
  }
}
