import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow } from '../auth/auth.decorators';
import {
  DashboardRangeQueryDto,
  LineDashboardDto,
  LineDashboardQueryDto,
  OverviewDto,
} from '../dtos/dashboard.dto';
import { DashboardService } from '../services/dashboard.service';

@ApiTags('dashboards')
@Allow('admin', 'ml_engineer', 'qa')
@Controller('api/v1/dashboards')
export class DashboardsController {
  constructor(private readonly dashboards: DashboardService) {}

  @Get('overview')
  @ApiOkResponse({ type: OverviewDto, description: 'Every line over the range (default: the last 24 hours)' })
  overview(@Query() query: DashboardRangeQueryDto): Promise<OverviewDto> {
    return this.dashboards.overview(query);
  }

  @Get('lines/:lineId')
  @ApiOkResponse({ type: LineDashboardDto })
  line(
    @Param('lineId', ParseUUIDPipe) lineId: string,
    @Query() query: LineDashboardQueryDto,
  ): Promise<LineDashboardDto> {
    return this.dashboards.line(lineId, query);
  }
}
