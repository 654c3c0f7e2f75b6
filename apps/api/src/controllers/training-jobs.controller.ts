import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import {
  CreateTrainingJobDto,
  TrainingJobDetailDto,
  TrainingJobDto,
  TrainingJobQueryDto,
} from '../dtos/training-job.dto';
import { TrainingJobService } from '../services/training-job.service';

@ApiTags('training')
@Controller('api/v1/training-jobs')
export class TrainingJobsController {
  constructor(private readonly jobs: TrainingJobService) {}

  @Post()
  @Allow('admin', 'ml_engineer')
  @ApiCreatedResponse({ type: TrainingJobDto, description: 'Queued; a trainer picks it up' })
  create(
    @Body() body: CreateTrainingJobDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<TrainingJobDto> {
    return this.jobs.create(body, actor);
  }

  @Get()
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOkResponse({ type: [TrainingJobDto] })
  list(@Query() query: TrainingJobQueryDto): Promise<TrainingJobDto[]> {
    return this.jobs.list(query.status);
  }

  @Get(':id')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOkResponse({
    type: TrainingJobDetailDto,
    description: 'With per-epoch metrics, checklist findings and the log tail',
  })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<TrainingJobDetailDto> {
    return this.jobs.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Allow('admin', 'ml_engineer')
  @ApiOkResponse({ type: TrainingJobDto })
  cancel(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<TrainingJobDto> {
    return this.jobs.cancel(id, actor);
  }
}
