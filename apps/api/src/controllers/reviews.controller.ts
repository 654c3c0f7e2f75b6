import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { CreateReviewDto, ReviewDto } from '../dtos/review.dto';
import { InspectionQueryService } from '../services/inspection-query.service';
import { ReviewService } from '../services/review.service';

@ApiTags('reviews')
@Allow('admin', 'ml_engineer', 'qa')
@Controller('api/v1/inspections/:id/reviews')
export class ReviewsController {
  constructor(
    private readonly reviews: ReviewService,
    private readonly inspections: InspectionQueryService,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: ReviewDto })
  create(
    @Param('id', ParseUUIDPipe) inspectionId: string,
    @Body() body: CreateReviewDto,
    @CurrentPrincipal() reviewer: UserPrincipal,
  ): Promise<ReviewDto> {
    return this.reviews.create(inspectionId, body, reviewer);
  }

  @Get()
  @ApiOkResponse({ type: [ReviewDto], description: 'Oldest first; the last one is the label' })
  async list(
    @Param('id', ParseUUIDPipe) inspectionId: string,
    @CurrentPrincipal() reader: UserPrincipal,
  ): Promise<ReviewDto[]> {
    await this.inspections.get(inspectionId, reader); // 404 inspection_not_found, not [], for an absent one
    return this.reviews.list(inspectionId);
  }
}
