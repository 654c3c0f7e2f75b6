import {
  Controller,
  Get,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { type Response } from 'express';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type CameraPrincipal, type Principal } from '../auth/principals';
import {
  InspectionDto,
  InspectionLinksDto,
  InspectionPageDto,
  InspectionQueryDto,
  UploadFieldsDto,
  mapInspection,
} from '../dtos/inspection.dto';
import { hasControlCharacters } from '../dtos/text.validators';
import { ApiError } from '../errors/api-error';
import { HeatmapOnDemandService } from '../services/heatmap-on-demand.service';
import { InspectionFilesService } from '../services/inspection-files.service';
import { InspectionIntakeService } from '../services/inspection-intake.service';
import { InspectionQueryService } from '../services/inspection-query.service';
import { ThumbnailService } from '../services/thumbnail.service';
import { CameraRateLimitGuard } from '../upload/rate-limit.guard';
import { UploadInterceptor, type UploadRequest } from '../upload/upload.interceptor';

@ApiTags('inspections')
@Controller('api/v1/inspections')
export class InspectionsController {
  constructor(
    private readonly intake: InspectionIntakeService,
    private readonly queries: InspectionQueryService,
    private readonly files: InspectionFilesService,
    private readonly thumbnails: ThumbnailService,
    private readonly heatmaps: HeatmapOnDemandService,
  ) {}

  @Post()
  @Allow('camera')
  @UseGuards(CameraRateLimitGuard)
  @UseInterceptors(UploadInterceptor)
  @ApiOperation({
    summary: 'Upload a product image',
    description:
      'Send the image as the raw body (Content-Type image/jpeg, image/png, image/webp, image/tiff, image/gif, ' +
      'image/bmp) with optional query parameters, or as multipart/form-data with the file in "image" and the ' +
      'fields alongside. On a `sync` line the answer carries the verdict if it is ready within the line deadline ' +
      '(201), else `pending` (202); on an `async` line it is always 202: poll GET /api/v1/inspections/{id} or wait ' +
      'for the webhook. A retry with the same Idempotency-Key returns the first result (200).',
  })
  @ApiConsumes('image/jpeg', 'image/png', 'multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        image: { type: 'string', format: 'binary' },
        serial: { type: 'string', example: 'SN-000123' },
        capturedAt: { type: 'string', format: 'date-time' },
        idempotencyKey: { type: 'string', example: 'cam-1-000123' },
      },
    },
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Makes retries safe' })
  @ApiCreatedResponse({ type: InspectionDto, description: 'Stored and scored within the deadline' })
  @ApiAcceptedResponse({ type: InspectionDto, description: 'Stored; the verdict follows asynchronously' })
  @ApiOkResponse({ type: InspectionDto, description: 'A retry of an upload already taken' })
  async upload(
    @Req() request: UploadRequest,
    @Query() query: UploadFieldsDto,
    @CurrentPrincipal() camera: CameraPrincipal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<InspectionDto> {
    const upload = request.upload!;
    const headerKey = request.headers['idempotency-key'];
    refuseControlCharacters({ ...upload.fields, 'Idempotency-Key': headerKey });
    const fields = await readFields({ ...upload.fields, ...stripUndefined(query) });
    const idempotencyKey = (typeof headerKey === 'string' ? headerKey : undefined) ?? fields.idempotencyKey;
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey))
      throw new ApiError(
        400,
        'invalid_idempotency_key',
        'the idempotency key must be 1-200 visible ASCII characters',
      );
    const result = await this.intake.ingest(camera, {
      bytes: upload.bytes,
      contentType: upload.contentType,
      productSerial: fields.serial,
      capturedAt: fields.capturedAt ? new Date(fields.capturedAt) : undefined,
      idempotencyKey,
      receivedAt: upload.receivedAt,
      receiveMs: upload.receiveMs,
    });
    response.status(result.httpStatus);
    response.setHeader('Location', `/api/v1/inspections/${result.inspection.id}`);
    if (result.httpStatus === 200) response.setHeader('Idempotent-Replayed', 'true');
    return result.inspection;
  }

  @Get()
  @Allow('camera', 'admin', 'ml_engineer', 'qa')
  @ApiOkResponse({ type: InspectionPageDto, description: 'A camera gets its own inspections only' })
  list(
    @Query() query: InspectionQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InspectionPageDto> {
    return this.queries.list(query, principal);
  }

  @Get(':id')
  @Allow('camera', 'admin', 'ml_engineer', 'qa')
  @ApiOkResponse({ type: InspectionDto })
  async get(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InspectionDto> {
    return mapInspection(await this.queries.get(id, principal));
  }

  @Get(':id/links')
  @Allow('camera', 'admin', 'ml_engineer', 'qa')
  @ApiOkResponse({
    type: InspectionLinksDto,
    description: 'Short-lived signed URLs of the image and heatmap',
  })
  async links(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InspectionLinksDto> {
    return this.files.links(await this.queries.get(id, principal));
  }

  @Get(':id/image')
  @Allow('camera', 'admin', 'ml_engineer', 'qa')
  @ApiOkResponse({ description: 'The stored image, streamed' })
  async image(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): Promise<void> {
    const row = await this.queries.get(id, principal);
    await this.files.stream(row.imageKey, response);
  }

  @Get(':id/thumbnail')
  @Allow('camera', 'admin', 'ml_engineer', 'qa')
  @ApiOkResponse({ description: 'WebP thumbnail, longest side 256 px, made once and stored' })
  async thumbnail(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): Promise<void> {
    const key = await this.thumbnails.ensure(await this.queries.get(id, principal));
    await this.files.stream(key, response, 86_400);
  }

  @Get(':id/heatmap')
  @Allow('camera', 'admin', 'ml_engineer', 'qa')
  @ApiOperation({
    summary: 'The explanation heatmap (PNG) of a defect or uncertain inspection',
    description:
      'Rendered now when the queued rendering has not happened yet (or was dropped from the bounded backlog): ' +
      '404 heatmap_not_found for other verdicts, 503 inference_unavailable when the inference service does ' +
      'not render it within INFERENCE_TIMEOUT_MS.',
  })
  @ApiOkResponse({ description: 'The explanation heatmap (PNG), streamed' })
  @ApiResponse({
    status: 404,
    description: 'No such inspection, or no heatmap for its verdict (heatmap_not_found)',
  })
  @ApiResponse({
    status: 503,
    description: 'The heatmap could not be rendered in time (inference_unavailable)',
  })
  async heatmap(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): Promise<void> {
    const row = await this.queries.get(id, principal);
    await this.files.stream(await this.heatmaps.ensure(row), response);
  }
}

/** Multipart fields and headers bypass the DTO pipe: the same rule as every JSON string, checked here. */
function refuseControlCharacters(values: Record<string, string | string[] | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if ([value ?? []].flat().some((text) => hasControlCharacters(text)))
      throw new ApiError(400, 'invalid_request', `${name} must not contain control characters`);
  }
}

async function readFields(raw: Record<string, string | undefined>): Promise<UploadFieldsDto> {
  const fields = plainToInstance(UploadFieldsDto, raw);
  const errors = await validate(fields, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) {
    const message = errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ');
    throw new ApiError(400, 'invalid_fields', message);
  }
  return fields;
}

function stripUndefined<T extends object>(value: T): Record<string, string> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
