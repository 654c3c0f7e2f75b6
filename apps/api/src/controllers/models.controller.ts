import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import {
  ImportModelDto,
  LineOverrideDto,
  ModelChangeReasonDto,
  ModelConfigDto,
  ModelCurvesDto,
  ModelEvaluationDto,
  ModelQueryDto,
  ModelVersionDto,
  ShadowDto,
  ShadowReportDto,
} from '../dtos/model.dto';
import { LineDto, type UpdateLineDto } from '../dtos/line.dto';
import { TrainingJobDto } from '../dtos/training-job.dto';
import { ApiErrors, ApiJsonBody, type ErrorSpec } from '../openapi/api-docs';
import { EXAMPLE_IDS } from '../openapi/example-ids';
import { EXAMPLES } from '../openapi/examples';
import { LineService } from '../services/line.service';
import { ModelImportService } from '../services/model-import.service';
import { ModelLifecycleService } from '../services/model-lifecycle.service';

const MODEL_ID = { name: 'id', description: 'Model version id', example: EXAMPLE_IDS.model };
const NOT_FOUND: ErrorSpec = [404, 'No model version has this id (model_not_found)'];
const BAD_ID: ErrorSpec = [400, 'The id is not a UUID'];
const REASON_BODY = ApiJsonBody(
  ModelChangeReasonDto,
  { reason: 'better crack recall on last week reviews (0.97 vs 0.91)' },
  'With the reason recorded in the audit log',
);
/** The seeded candidate once it serves production (what promote and rollback answer for the seeded data). */
const CANDIDATE_IN_PRODUCTION = {
  ...EXAMPLES.candidateModel,
  stage: 'production',
  promotedAt: EXAMPLES.modelVersion.promotedAt,
};

@ApiTags('models')
@Controller('api/v1/models')
export class ModelsController {
  constructor(
    private readonly models: ModelLifecycleService,
    private readonly lines: LineService,
    private readonly imports: ModelImportService,
  ) {}

  @Get()
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: 'List model versions, newest first' })
  @ApiOkResponse({
    type: [ModelVersionDto],
    example: [EXAMPLES.int8Model, EXAMPLES.modelVersion, EXAMPLES.candidateModel],
  })
  @ApiErrors([400, 'Unknown stage (validation_failed)'])
  list(@Query() query: ModelQueryDto): Promise<ModelVersionDto[]> {
    return this.models.list(query.stage);
  }

  @Post('rollback')
  @HttpCode(200)
  @Allow('admin', 'ml_engineer')
  @ApiOperation({
    summary: 'Serve again the version the current production model replaced',
    description: 'The reason is required and goes into the audit log (`model.rollback`) with the actor.',
  })
  @REASON_BODY
  @ApiOkResponse({
    type: ModelVersionDto,
    description: 'The version now in production',
    example: CANDIDATE_IN_PRODUCTION,
  })
  @ApiErrors(
    [400, 'The reason is missing or empty (validation_failed)'],
    [409, 'Nothing to roll back to (nothing_to_roll_back)'],
  )
  rollback(
    @Body() body: ModelChangeReasonDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<ModelVersionDto> {
    return this.models.rollback(body.reason, actor);
  }

  @Post('line-override')
  @HttpCode(200)
  @Allow('admin', 'ml_engineer')
  @ApiOperation({
    summary: 'Make a line serve a given version instead of production, or follow production again (null)',
    description:
      'The same change as PATCH /api/v1/lines/:id `modelVersionId`, open to ML engineers; audited.',
  })
  @ApiBody({
    type: LineOverrideDto,
    examples: {
      pin: {
        summary: 'Serve the candidate on this line',
        value: { lineId: EXAMPLE_IDS.line, modelVersionId: EXAMPLE_IDS.candidateModel },
      },
      clear: {
        summary: 'Follow production again',
        value: { lineId: EXAMPLE_IDS.line, modelVersionId: null },
      },
    },
  })
  @ApiOkResponse({
    type: LineDto,
    description: 'The line with its new override',
    example: { ...EXAMPLES.line, modelVersionId: EXAMPLE_IDS.candidateModel },
  })
  @ApiErrors(
    [400, 'Bad ids, or modelVersionId names no version (model_not_found)'],
    [404, 'No line has this id (line_not_found)'],
  )
  async lineOverride(
    @Body() body: LineOverrideDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<LineDto> {
    const { webhookSecret: _secret, ...line } = await this.lines.update(
      body.lineId,
      { modelVersionId: body.modelVersionId } as UpdateLineDto,
      actor,
    );
    return line;
  }

  @Post('import')
  @Allow('admin', 'ml_engineer')
  @ApiOperation({
    summary: 'Import a model folder trained with the CLI as a candidate version',
    description:
      'The folder (`npm run train` output: manifest.json, model.json, weights) must be inside TRAINING_DATA_ROOTS ' +
      '(symbolic links resolved first) and hold a valid manifest. The answer is the queued import job (GET ' +
      '/api/v1/training-jobs/:id follows it): a trainer checks every file against the manifest (sha256, or computed ' +
      'when the manifest records none), loads the model, checks its input and output shapes, and registers it as ' +
      'a finished training is registered, with the evaluation the folder holds. A file that does not match fails ' +
      'the job with the reason. Audited as `model.import`.',
  })
  @ApiJsonBody(
    ImportModelDto,
    { path: 'runs/objects/models/tiles-resnet10', name: 'tiles-resnet10-cli' },
    'A folder the training CLI wrote under a training root',
  )
  @ApiCreatedResponse({
    type: TrainingJobDto,
    description: 'The import job, queued; a trainer picks it up',
    example: {
      ...EXAMPLES.trainingJob,
      status: 'queued',
      config: {
        import: { path: '/srv/linescope/datasets/runs/objects/models/tiles-resnet10' },
        training: { name: 'tiles-resnet10-cli' },
      },
      progress: {},
      checklist: [],
      labelSetId: null,
      modelVersionId: null,
      startedAt: null,
      finishedAt: null,
      checkpointKey: null,
    },
  })
  @ApiErrors([
    400,
    'model_outside_roots, model_not_found (no such folder under the roots), invalid_model_folder (manifest.json ' +
      'missing or invalid: the reason is in the message), validation_failed',
  ])
  importModel(
    @Body() body: ImportModelDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<TrainingJobDto> {
    return this.imports.importModel(body, actor);
  }

  @Get(':id')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: 'One model version with its headline metrics' })
  @ApiParam(MODEL_ID)
  @ApiOkResponse({ type: ModelVersionDto, example: EXAMPLES.modelVersion })
  @ApiErrors(BAD_ID, NOT_FOUND)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<ModelVersionDto> {
    return this.models.get(id);
  }

  @Get(':id/curves')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({
    summary: 'Per-epoch loss, accuracy and learning rate of the job that trained this version',
  })
  @ApiParam(MODEL_ID)
  @ApiOkResponse({ type: ModelCurvesDto, example: EXAMPLES.modelCurves })
  @ApiErrors(BAD_ID, NOT_FOUND)
  curves(@Param('id', ParseUUIDPipe) id: string): Promise<ModelCurvesDto> {
    return this.models.curves(id);
  }

  @Get(':id/config')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: 'The fully resolved training config stored with this version' })
  @ApiParam(MODEL_ID)
  @ApiOkResponse({ type: ModelConfigDto, example: EXAMPLES.modelConfig })
  @ApiErrors(BAD_ID, NOT_FOUND)
  config(@Param('id', ParseUUIDPipe) id: string): Promise<ModelConfigDto> {
    return this.models.resolvedConfig(id);
  }

  @Get(':id/evaluation')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({
    summary:
      'Test-split evaluation: per-class precision/recall, ROC and PR curves, calibration, confusion matrix, operating point, int8 variant',
  })
  @ApiParam(MODEL_ID)
  @ApiOkResponse({ type: ModelEvaluationDto, example: EXAMPLES.modelEvaluation })
  @ApiErrors(BAD_ID, NOT_FOUND)
  evaluation(@Param('id', ParseUUIDPipe) id: string): Promise<ModelEvaluationDto> {
    return this.models.evaluation(id);
  }

  @Post(':id/promote')
  @HttpCode(200)
  @Allow('admin', 'ml_engineer')
  @ApiOperation({
    summary: 'Make this version serve production; inference instances warm it before switching',
    description: 'The reason is required and goes into the audit log (`model.promote`) with the actor.',
  })
  @ApiParam({ ...MODEL_ID, example: EXAMPLE_IDS.candidateModel })
  @REASON_BODY
  @ApiOkResponse({ type: ModelVersionDto, example: CANDIDATE_IN_PRODUCTION })
  @ApiErrors([400, 'Bad id, or the reason is missing or empty (validation_failed)'], NOT_FOUND, [
    409,
    'Already in production, or an int8 variant that lost too much accuracy or was never measured',
  ])
  promote(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ModelChangeReasonDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<ModelVersionDto> {
    return this.models.promote(id, body.reason, actor);
  }

  @Post(':id/shadow')
  @HttpCode(200)
  @Allow('admin', 'ml_engineer')
  @ApiOperation({ summary: 'Start or stop scoring live traffic with this version beside production' })
  @ApiParam({ ...MODEL_ID, example: EXAMPLE_IDS.candidateModel })
  @ApiBody({
    type: ShadowDto,
    examples: {
      start: { summary: 'Start shadow scoring', value: { enabled: true } },
      stop: { summary: 'Stop shadow scoring', value: { enabled: false } },
    },
  })
  @ApiOkResponse({ type: ModelVersionDto, example: { ...EXAMPLES.candidateModel, shadow: true } })
  @ApiErrors([400, 'Bad id or body (validation_failed)'], NOT_FOUND, [
    409,
    'The production version cannot shadow itself',
  ])
  shadow(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ShadowDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<ModelVersionDto> {
    return this.models.setShadow(id, body.enabled, actor);
  }

  @Get(':id/shadow-report')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({
    summary: 'How often this version agreed with production on live traffic, and its latest disagreements',
    description: 'Each new shadow result is also announced on the event stream as a `shadow` event.',
  })
  @ApiParam({ ...MODEL_ID, example: EXAMPLE_IDS.candidateModel })
  @ApiOkResponse({ type: ShadowReportDto, example: EXAMPLES.shadowReport })
  @ApiErrors(BAD_ID, NOT_FOUND)
  shadowReport(@Param('id', ParseUUIDPipe) id: string): Promise<ShadowReportDto> {
    return this.models.shadowReport(id);
  }
}
