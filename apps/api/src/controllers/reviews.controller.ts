import { Body, Controller, Get, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { CreateReviewDto, ReviewDto } from '../dtos/review.dto';
import { ApiErrors, ApiJsonBody } from '../openapi/api-docs';
import { EXAMPLE_IDS } from '../openapi/example-ids';
import { EXAMPLES } from '../openapi/examples';
import { InspectionQueryService } from '../services/inspection-query.service';

const INSPECTION_ID = { name: 'id', description: 'The inspection', example: EXAMPLE_IDS.inspection } as const;
const NO_INSPECTION: [number, string] = [404, 'No such inspection (inspection_not_found)'];
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
  @ApiOperation({ summary: "Record a reviewer's verdict on an inspection (the training label)" })
  @ApiParam(INSPECTION_ID)
  @ApiJsonBody(CreateReviewDto, {
    decision: 'defect',
    defectType: 'crack',
    note: 'hairline crack at the left edge',
  })
  @ApiCreatedResponse({
    type: ReviewDto,
    example: { ...EXAMPLES.review, id: '5b8e2c41-7d3a-4f9e-8b6c-1a2d3e4f5a60' },
  })
  @ApiErrors(
    [400, 'A field breaks its rule, a defect type without decision = defect, or a wrong supersedesReviewId'],
    NO_INSPECTION,
  )
  create(
    @Param('id', ParseUUIDPipe) inspectionId: string,
    @Body() body: CreateReviewDto,
    @CurrentPrincipal() reviewer: UserPrincipal,
  ): Promise<ReviewDto> {
    return this.reviews.create(inspectionId, body, reviewer);
  }

  @Get()
  @ApiOperation({ summary: "An inspection's reviews" })
  @ApiParam(INSPECTION_ID)
  @ApiOkResponse({
    type: [ReviewDto],
    description: 'Oldest first; the last one is the label',
    example: [EXAMPLES.review],
  })
  @ApiErrors(400, NO_INSPECTION)
  async list(
    @Param('id', ParseUUIDPipe) inspectionId: string,
    @CurrentPrincipal() reader: UserPrincipal,
  ): Promise<ReviewDto[]> {
    await this.inspections.get(inspectionId, reader); // 404 inspection_not_found, not [], for an absent one
    return this.reviews.list(inspectionId);
  }
}
