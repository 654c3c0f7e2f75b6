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
  ApiParam,
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
import { type InspectionEntity } from '@linescope/db';
import { ApiError } from '../errors/api-error';
import { HeatmapOnDemandService } from '../services/heatmap-on-demand.service';
import { ApiErrors } from '../openapi/api-docs';
import { EXAMPLE_IDS } from '../openapi/example-ids';
import { EXAMPLES } from '../openapi/examples';
import { InspectionFilesService } from '../services/inspection-files.service';
import { InspectionIntakeService } from '../services/inspection-intake.service';
import { InspectionQueryService } from '../services/inspection-query.service';
import { ThumbnailService } from '../services/thumbnail.service';
import { CameraRateLimitGuard } from '../upload/rate-limit.guard';
import { UploadInterceptor, type UploadRequest } from '../upload/upload.interceptor';

const INSPECTION_ID = { name: 'id', description: 'The inspection', example: EXAMPLE_IDS.inspection } as const;
const NO_INSPECTION: [number, string] = [404, 'No such inspection (inspection_not_found)'];
const PENDING_INSPECTION = {
  ...EXAMPLES.inspection,
  status: 'pending',
  verdict: null,
  score: null,
  probabilities: null,
  modelVersionId: null,
  latency: { storeMs: 2.1 },
  heatmapAvailable: false,
  heatmapUrl: null,
  reviewCount: 0,
};

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
  @ApiConsumes('multipart/form-data', 'image/jpeg', 'image/png')
  @ApiBody({
    description:
      'multipart/form-data: the image file in "image" and the fields beside it; image/*: the raw image bytes ' +
      '(then the fields go in the query string)',
    schema: {
      type: 'object',
      required: ['image'],
      properties: {
        image: { type: 'string', format: 'binary', description: 'The image file' },
        serial: { type: 'string', example: 'SN-000123' },
        capturedAt: { type: 'string', format: 'date-time', example: '2026-11-29T08:15:00.000Z' },
        idempotencyKey: { type: 'string', example: 'cam-1-000123' },
      },
    },
    examples: {
      example: {
        summary: 'A PNG with its serial (the file itself cannot be written here)',
        value: { image: '(binary image file)', serial: 'SN-000123', capturedAt: '2026-11-29T08:15:00.000Z' },
      },
    },
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Makes retries safe' })
  @ApiCreatedResponse({
    type: InspectionDto,
    description: 'Stored and scored within the deadline',
    example: { ...EXAMPLES.inspection, reviewCount: 0 },
  })
  @ApiAcceptedResponse({
    type: InspectionDto,
    description: 'Stored; the verdict follows asynchronously',
    example: PENDING_INSPECTION,
  })
  @ApiOkResponse({
    type: InspectionDto,
    description: 'A retry of an upload already taken',
    example: PENDING_INSPECTION,
  })
  @ApiErrors(
    [400, 'No image, an empty one, or a field that breaks its rule'],
    [409, 'The idempotency key was used for a different image (idempotency_key_reused)'],
    [413, 'The image exceeds the size limit (image_too_large)'],
    [415, 'Not an image type this API takes'],
    [422, 'The image cannot be decoded, or its dimensions are out of bounds'],
    [429, 'The camera is over its upload rate (rate_limited); retry after Retry-After seconds'],
    [
      503,
      'Storage or the database does not answer, or the disk or bucket is full (storage_full, with ' +
        'Retry-After: 60); retry later',
    ],
  )
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
  @ApiOperation({ summary: 'Inspections, newest first, filtered and paged' })
  @ApiOkResponse({
    type: InspectionPageDto,
    description: 'A camera gets its own inspections only',
    example: { items: [EXAMPLES.inspection], nextCursor: null },
  })
  @ApiErrors([400, 'A filter breaks its rule, or the cursor is not one this API issued (invalid_cursor)'])
  list(
    @Query() query: InspectionQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InspectionPageDto> {
    return this.queries.list(query, principal);
  }

  @Get(':id')
  @Allow('camera', 'admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: 'One inspection with its verdict' })
  @ApiParam(INSPECTION_ID)
  @ApiOkResponse({ type: InspectionDto, example: EXAMPLES.inspection })
  @ApiErrors(400, NO_INSPECTION)
  async get(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InspectionDto> {
    return mapInspection(await this.queries.get(id, principal));
  }

  @Get(':id/links')
  @Allow('camera', 'admin', 'ml_engineer', 'qa')
  @ApiOperation({
    summary: 'Short-lived signed links to the image and heatmap (no credential needed to follow)',
  })
  @ApiParam(INSPECTION_ID)
  @ApiOkResponse({
    type: InspectionLinksDto,
    description: 'Short-lived signed URLs of the image and heatmap',
    example: {
      image:
        '/api/v1/files/aW1hZ2VzL2V4YW1wbGUucG5n?expires=1796026800&sig=3kq6W2b0c8YyH1s9nXo4Zp7Rf5Lm2Tj8Gd0Ve3Ua6Nw',
      heatmap:
        '/api/v1/files/aGVhdG1hcHMvZXhhbXBsZS5wbmc?expires=1796026800&sig=7Hc1Qx5Bv9Nm3Lk8Jh2Gf6Ds4Az0Pw5Oe7Ir1Tu9Yq',
      expiresAt: '2026-11-29T08:20:00.000Z',
    },
  })
  @ApiErrors(400, NO_INSPECTION, 410)
  async links(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<InspectionLinksDto> {
    return this.files.links(keptImage(await this.queries.get(id, principal)));
  }

  @Get(':id/image')
  @Allow('camera', 'admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: 'The stored image' })
  @ApiParam(INSPECTION_ID)
  @ApiOkResponse({
    description: 'The stored image, streamed with its own content type',
    content: { 'image/*': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(
    400,
    [404, 'No such inspection, or its file is gone (inspection_not_found, object_not_found)'],
    410,
    503,
  )
  async image(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): Promise<void> {
    const row = keptImage(await this.queries.get(id, principal));
    await this.files.stream(row.imageKey, response);
  }

  @Get(':id/thumbnail')
  @Allow('camera', 'admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: 'A WebP thumbnail of the image (longest side 256 px)' })
  @ApiParam(INSPECTION_ID)
  @ApiOkResponse({
    description: 'WebP thumbnail, longest side 256 px, made once and stored',
    content: { 'image/webp': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(
    400,
    [404, 'No such inspection, or its image is gone (inspection_not_found, object_not_found)'],
    410,
    503,
  )
  async thumbnail(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): Promise<void> {
    const key = await this.thumbnails.ensure(keptImage(await this.queries.get(id, principal)));
    await this.files.stream(key, response, 86_400);
  }

  @Get(':id/heatmap')
  @Allow('camera', 'admin', 'ml_engineer', 'qa')
  @ApiOperation({
    summary: 'The explanation heatmap (where the model looked)',
    description:
      'Rendered now when the queued rendering has not happened yet (or was dropped from the bounded backlog): ' +
      '404 heatmap_not_found for other verdicts, 503 inference_unavailable when the inference service does ' +
      'not render it within INFERENCE_TIMEOUT_MS.',
  })
  @ApiParam(INSPECTION_ID)
  @ApiOkResponse({
    description: 'The explanation heatmap (PNG), streamed',
    content: { 'image/png': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(
    400,
    [404, 'No such inspection, or no heatmap for its verdict (inspection_not_found, heatmap_not_found)'],
    410,
    [503, 'The heatmap could not be rendered in time (inference_unavailable)'],
  )
  async heatmap(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): Promise<void> {
    const row = keptImage(await this.queries.get(id, principal));
    await this.files.stream(await this.heatmaps.ensure(row), response);
  }
}

/** A row whose image retention deleted answers 410 for the image, its heatmap, thumbnail and links. */
function keptImage(row: InspectionEntity): InspectionEntity {
  if (row.imagePurgedAt)
    throw new ApiError(
      410,
      'image_purged',
      `the image was deleted by the retention policy on ${row.imagePurgedAt.toISOString()}; the verdict stays`,
    );
  return row;
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
