import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG, LOGGER } from '@linescope/platform';
import { type Request, type Response } from 'express';
import { type Logger } from 'pino';
import { type PingReport, InferenceRuntime } from '../inference.runtime';
import { LateVerdicts } from '../scoring/late-verdicts';
import { type Prediction } from '../scoring/prediction.types';
import { httpError, toHttpError } from './http.errors';
import { InferenceTokenGuard } from './inference-token.guard';
import { readRequestBody } from './request-body.reader';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function optionalUuid(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!UUID.test(value)) throw httpError(400, 'invalid_query', `${name} must be a UUID`);
  return value;
}

@ApiTags('inference')
@UseGuards(InferenceTokenGuard)
@ApiBearerAuth()
@Controller()
export class PredictController {
  private readonly maxImageBytes: number;

  constructor(
    @Inject(InferenceRuntime) private readonly runtime: InferenceRuntime,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly lateVerdicts: LateVerdicts,
  ) {
    this.maxImageBytes = config.ingest.maxImageBytes;
  }

  /**
   * Scores one image with the line's model: its override, else production. Shadow candidates score it after
   * the answer has been sent, when the caller names the inspection. If the caller named the inspection and stopped
   * waiting (its deadline passed) before the image was scored, the verdict is recorded here instead of dropped.
   */
  @Post('predict')
  @HttpCode(200)
  @ApiOperation({ summary: 'Score one image: verdict, defect score, probabilities and timing' })
  @ApiConsumes('image/jpeg', 'image/png', 'image/webp', 'image/tiff', 'image/gif', 'image/bmp')
  @ApiBody({ description: 'The raw image bytes', schema: { type: 'string', format: 'binary' } })
  @ApiQuery({ name: 'lineId', required: false, description: 'The line whose model and thresholds apply' })
  @ApiQuery({
    name: 'inspectionId',
    required: false,
    description: 'Records shadow results for this inspection',
  })
  @ApiOkResponse({ description: 'The verdict and the version that scored the image.' })
  @ApiResponse({ status: 400, description: 'Empty image or malformed query.' })
  @ApiResponse({ status: 413, description: 'Too many bytes or pixels.' })
  @ApiResponse({ status: 415, description: 'Not an image format this service reads.' })
  @ApiResponse({ status: 422, description: 'A corrupt image.' })
  @ApiResponse({ status: 503, description: 'No model serves the line (no_model), or it is not loaded.' })
  async predict(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Query('lineId') lineIdParam?: string,
    @Query('inspectionId') inspectionIdParam?: string,
  ): Promise<Prediction> {
    const lineId = optionalUuid('lineId', lineIdParam);
    const inspectionId = optionalUuid('inspectionId', inspectionIdParam);
    const bytes = await readRequestBody(request, this.maxImageBytes);
    let callerGone = false;
    response.once('close', () => (callerGone = !response.writableFinished));
    try {
      const scored = await this.runtime.scoring.score(bytes, { lineId, source: 'http' });
      const { prediction, context, heatmap } = scored;
      // Stored before the answer: the API records the verdict after it, and queues no render job when the key is there.
      if (inspectionId !== undefined && heatmap !== null)
        await this.runtime.heatmaps.storeForVerdict(inspectionId, bytes, heatmap);
      if (inspectionId !== undefined && callerGone) {
        await this.lateVerdicts.record(inspectionId, scored).catch((error: unknown) => {
          this.logger.warn(
            { err: error, inspectionId },
            'could not record a late verdict; its job will score it',
          );
        });
        return prediction;
      }
      if (inspectionId !== undefined && this.runtime.shadow.active()) {
        response.once('finish', () => {
          this.runtime.recordShadow(inspectionId, context).catch((error: unknown) => {
            this.logger.warn({ err: error, inspectionId }, 'shadow scoring failed');
          });
        });
      }
      return prediction;
    } catch (error) {
      throw toHttpError(error);
    }
  }

  /** The API asks for this when a person opens an item whose heatmap was not rendered (or was dropped as stale). */
  @Post('heatmaps/:inspectionId')
  @HttpCode(200)
  @ApiOperation({ summary: "Render an inspection's heatmap now unless it has one; answers its storage key" })
  @ApiOkResponse({ description: '`{ heatmapKey }`: rendered now, or already there.' })
  @ApiResponse({ status: 400, description: 'The id is not a UUID.' })
  @ApiResponse({ status: 404, description: 'No such inspection.' })
  @ApiResponse({
    status: 409,
    description: 'No heatmap for this inspection (not a defect or uncertain verdict).',
  })
  @ApiResponse({ status: 503, description: 'The version that scored it cannot be loaded now.' })
  async renderHeatmap(@Param('inspectionId') inspectionIdParam: string): Promise<{ heatmapKey: string }> {
    const inspectionId = optionalUuid('inspectionId', inspectionIdParam);
    if (!inspectionId) throw httpError(400, 'invalid_request', 'inspectionId must be a UUID');
    let outcome;
    try {
      outcome = await this.runtime.heatmaps.renderMissing(inspectionId);
    } catch (error) {
      throw toHttpError(error);
    }
    switch (outcome.status) {
      case 'rendered':
      case 'exists':
        return { heatmapKey: outcome.key };
      case 'not-found':
        throw httpError(404, 'inspection_not_found', 'no inspection has this id');
      case 'not-applicable':
        throw httpError(409, 'no_heatmap', outcome.reason);
    }
  }

  @Get('ping')
  @ApiOperation({ summary: 'Engine, backend, served models and workers of this instance' })
  ping(): PingReport {
    return this.runtime.ping();
  }
}
