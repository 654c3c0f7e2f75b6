import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import {
  CREATE_TRAINING_JOB_EXAMPLES,
  CreateTrainingJobDto,
  TrainingJobDetailDto,
  TrainingJobDto,
  TrainingJobQueryDto,
} from '../dtos/training-job.dto';
import { ApiErrors } from '../openapi/api-docs';
import { EXAMPLE_IDS } from '../openapi/example-ids';
import { EXAMPLES } from '../openapi/examples';
import { TrainingJobService } from '../services/training-job.service';

@ApiTags('training')
@Controller('api/v1/training-jobs')
export class TrainingJobsController {
  constructor(private readonly jobs: TrainingJobService) {}

  @Post()
  @Allow('admin', 'ml_engineer')
  @ApiOperation({
    summary: 'Launch a training job',
    description:
      'Queues a training on a dataset folder (its name under TRAINING_DATA_ROOTS, see GET /api/v1/training/datasets) ' +
      'or on the QA reviews; `config` follows the schema of GET /api/v1/training/config-schema (presets: GET ' +
      '/api/v1/training/presets). An invalid config answers 400 `invalid_config` with `details.fields` per key path.',
  })
  @ApiBody({ type: CreateTrainingJobDto, examples: CREATE_TRAINING_JOB_EXAMPLES })
  @ApiCreatedResponse({
    type: TrainingJobDto,
    description: 'Queued; a trainer picks it up',
    example: {
      ...EXAMPLES.trainingJob,
      status: 'queued',
      progress: {},
      startedAt: null,
      checkpointKey: null,
    },
  })
  @ApiErrors([
    400,
    'invalid_config (details.fields: message per key path), invalid_dataset, dataset_not_found, ' +
      'dataset_outside_roots, pretrained_outside_roots, pretrained_not_found, teacher_not_found, invalid_teacher, invalid_request',
  ])
  create(
    @Body() body: CreateTrainingJobDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<TrainingJobDto> {
    return this.jobs.create(body, actor);
  }

  @Get()
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: 'List training jobs (newest first, at most 200)' })
  @ApiOkResponse({ type: [TrainingJobDto], example: [EXAMPLES.trainingJob] })
  @ApiErrors([400, 'invalid_request: unknown status'])
  list(@Query() query: TrainingJobQueryDto): Promise<TrainingJobDto[]> {
    return this.jobs.list(query.status);
  }

  @Get(':id')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: 'A training job with its epochs, readable checklist findings and log tail' })
  @ApiParam({ name: 'id', example: EXAMPLE_IDS.trainingJob })
  @ApiOkResponse({
    type: TrainingJobDetailDto,
    description: 'With per-epoch metrics, checklist findings (raw and as readable cards) and the log tail',
    example: {
      ...EXAMPLES.trainingJob,
      epochs: EXAMPLES.trainingEpochs,
      logTail: 'epoch 3/30 loss 0.41\n',
      findings: [],
    },
  })
  @ApiErrors(400, [404, 'training_job_not_found'])
  get(@Param('id', ParseUUIDPipe) id: string): Promise<TrainingJobDetailDto> {
    return this.jobs.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Allow('admin', 'ml_engineer')
  @ApiOperation({
    summary: 'Cancel a training job',
    description:
      'A queued job never starts; a running one stops within about a second and a step (the trainer checks per ' +
      'batch) and keeps its last epoch checkpoint (checkpointKey).',
  })
  @ApiParam({ name: 'id', example: EXAMPLE_IDS.trainingJob })
  @ApiOkResponse({
    type: TrainingJobDto,
    example: { ...EXAMPLES.trainingJob, status: 'cancelled', finishedAt: EXAMPLES.trainingJob.createdAt },
  })
  @ApiErrors(400, [404, 'training_job_not_found'], [409, 'training_job_finished: the job already ended'])
  cancel(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<TrainingJobDto> {
    return this.jobs.cancel(id, actor);
  }
}
