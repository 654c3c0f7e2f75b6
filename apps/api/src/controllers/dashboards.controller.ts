import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Allow } from '../auth/auth.decorators';
import {
  DashboardRangeQueryDto,
  LineDashboardDto,
  LineDashboardQueryDto,
  OverviewDto,
} from '../dtos/dashboard.dto';
import { ApiErrors } from '../openapi/api-docs';
import { EXAMPLE_IDS } from '../openapi/example-ids';
import { EXAMPLES } from '../openapi/examples';
import { DashboardService } from '../services/dashboard.service';

const RANGE_ERROR: [number, string] = [
  400,
  'A date is not ISO 8601, `from` is not before `to`, or the range exceeds 400 days (invalid_range)',
];

@ApiTags('dashboards')
@Allow('admin', 'ml_engineer', 'qa')
@Controller('api/v1/dashboards')
export class DashboardsController {
  constructor(private readonly dashboards: DashboardService) {}

  @Get('overview')
  @ApiOperation({ summary: 'Every line: volumes, rates, latency and backlog over a period' })
  @ApiQuery({ name: 'from', required: false, example: '2026-11-28T08:00:00.000Z' })
  @ApiQuery({ name: 'to', required: false, example: '2026-11-29T08:00:00.000Z' })
  @ApiOkResponse({
    type: OverviewDto,
    description: 'Every line over the range (default: the last 24 hours)',
    example: {
      lines: [
        {
          ...EXAMPLES.totals,
          lineId: EXAMPLE_IDS.line,
          name: 'tiles-line-1',
          servingModel: EXAMPLES.servingModel,
        },
      ],
    },
  })
  @ApiErrors(RANGE_ERROR)
  overview(@Query() query: DashboardRangeQueryDto): Promise<OverviewDto> {
    return this.dashboards.overview(query);
  }

  @Get('lines/:lineId')
  @ApiOperation({ summary: "One line's dashboard: totals, a time series and its cameras" })
  @ApiParam({ name: 'lineId', description: 'The production line', example: EXAMPLE_IDS.line })
  @ApiQuery({ name: 'from', required: false, example: '2026-11-28T08:00:00.000Z' })
  @ApiQuery({ name: 'to', required: false, example: '2026-11-29T08:00:00.000Z' })
  @ApiQuery({ name: 'cameraId', required: false, example: EXAMPLE_IDS.camera })
  @ApiOkResponse({
    type: LineDashboardDto,
    example: {
      line: { id: EXAMPLE_IDS.line, name: 'tiles-line-1' },
      from: '2026-11-28T08:00:00.000Z',
      to: '2026-11-29T08:00:00.000Z',
      bucketSeconds: 600,
      servingModel: EXAMPLES.servingModel,
      totals: EXAMPLES.totals,
      series: [{ ...EXAMPLES.totals, t: '2026-11-28T08:00:00.000Z' }],
      cameras: [
        {
          cameraId: EXAMPLE_IDS.camera,
          name: 'cam-top-1',
          lastSeenAt: '2026-11-29T07:59:58.000Z',
          total: 1200,
          defectRate: 0.0504,
          uncertainRate: 0.0252,
        },
      ],
    },
  })
  @ApiErrors(RANGE_ERROR, [404, 'No such line, or no such camera on it (line_not_found, camera_not_found)'])
  line(
    @Param('lineId', ParseUUIDPipe) lineId: string,
    @Query() query: LineDashboardQueryDto,
  ): Promise<LineDashboardDto> {
    return this.dashboards.line(lineId, query);
  }
}
