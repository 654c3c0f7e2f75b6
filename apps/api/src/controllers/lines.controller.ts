import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { CameraDto, CreateCameraDto, IssuedKeyDto } from '../dtos/camera.dto';
import {
  CreateLineDto,
  CreatedLineDto,
  LineDto,
  UpdateLineDto,
  WebhookTestResultDto,
  mapLine,
} from '../dtos/line.dto';
import { CameraService } from '../services/camera.service';
import { ApiErrors, ApiJsonBody } from '../openapi/api-docs';
import { EXAMPLE_IDS } from '../openapi/example-ids';
import { EXAMPLES } from '../openapi/examples';
import { LineService } from '../services/line.service';
import { WebhookService } from '../services/webhook.service';

const LINE_ID = { name: 'id', description: 'The production line', example: EXAMPLE_IDS.line } as const;
const NO_LINE: [number, string] = [404, 'No such line (line_not_found)'];

@ApiTags('lines')
@Controller('api/v1/lines')
export class LinesController {
  constructor(
    private readonly lines: LineService,
    private readonly cameras: CameraService,
    private readonly webhooks: WebhookService,
  ) {}

  @Post()
  @Allow('admin')
  @ApiOperation({ summary: 'Create a production line' })
  @ApiJsonBody(CreateLineDto, {
    name: 'tiles-line-2',
    description: 'Glazing line, hall C',
    verdictMode: 'sync',
    verdictDeadlineMs: 250,
    defectTypes: ['crack', 'chip'],
    webhookUrl: 'https://mes.example.com/linescope',
  })
  @ApiCreatedResponse({
    type: CreatedLineDto,
    description: 'The line; with a webhook, its signing secret (shown once)',
    example: {
      ...EXAMPLES.line,
      name: 'tiles-line-2',
      description: 'Glazing line, hall C',
      verdictMode: 'sync',
      verdictDeadlineMs: 250,
      defectTypes: ['crack', 'chip'],
      webhookUrl: 'https://mes.example.com/linescope',
      webhookSecret: 'whsec_9xR2cV7bN4mK1qL8wE5tY3uI6oP0aS',
    },
  })
  @ApiErrors(
    [400, 'A field breaks its rule, the band is inverted (invalid_band) or the model is unknown'],
    [409, 'A line with this name exists (line_exists)'],
  )
  create(@Body() body: CreateLineDto, @CurrentPrincipal() actor: UserPrincipal): Promise<CreatedLineDto> {
    return this.lines.create(body, actor);
  }

  @Get()
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: 'Every production line' })
  @ApiOkResponse({ type: [LineDto], example: [EXAMPLES.line] })
  list(): Promise<LineDto[]> {
    return this.lines.list();
  }

  @Get(':id')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: 'One production line' })
  @ApiParam(LINE_ID)
  @ApiOkResponse({ type: LineDto, example: EXAMPLES.line })
  @ApiErrors(400, NO_LINE)
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<LineDto> {
    return mapLine(await this.lines.get(id));
  }

  @Patch(':id')
  @Allow('admin')
  @ApiOperation({ summary: "Change a line's settings (only the fields sent)" })
  @ApiParam(LINE_ID)
  @ApiJsonBody(UpdateLineDto, { verdictDeadlineMs: 300, uncertainLow: 0.35, uncertainHigh: 0.65 })
  @ApiOkResponse({
    type: CreatedLineDto,
    example: { ...EXAMPLES.line, verdictDeadlineMs: 300, uncertainLow: 0.35, uncertainHigh: 0.65 },
  })
  @ApiErrors(
    [400, 'A field breaks its rule, the band is inverted (invalid_band) or the model is unknown'],
    NO_LINE,
    [409, 'Another line has this name (line_exists)'],
  )
  update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateLineDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<CreatedLineDto> {
    return this.lines.update(id, body, actor);
  }

  @Post(':id/webhook/test')
  @HttpCode(200)
  @Allow('admin')
  @ApiOperation({
    summary: "Send a signed test event to the line's webhook and answer how it went",
    description:
      'Posts `{ "event": "test", "line": { id, name }, "sentAt" }` with X-Linescope-Event: test and the usual ' +
      'X-Linescope-Signature, at once (10 s timeout, no retry). 200 whether or not the receiver accepted it: ' +
      'read delivered, httpStatus, latencyMs and error. Audited.',
  })
  @ApiParam({ name: 'id', example: EXAMPLE_IDS.line })
  @ApiOkResponse({
    type: WebhookTestResultDto,
    example: {
      url: 'https://mes.example.com/linescope',
      delivered: true,
      httpStatus: 200,
      latencyMs: 42,
      error: null,
      sentAt: '2026-11-29T08:15:00.000Z',
    },
  })
  @ApiErrors([400, 'The id is not a UUID'], NO_LINE, [409, 'no_webhook: the line has no webhookUrl'])
  testWebhook(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<WebhookTestResultDto> {
    return this.webhooks.sendTest(id, actor);
  }

  @Post(':id/cameras')
  @Allow('admin')
  @ApiOperation({ summary: 'Add a camera to a line; answers its API key, shown once' })
  @ApiParam(LINE_ID)
  @ApiJsonBody(CreateCameraDto, { name: 'cam-side-2', rateLimitPerSecond: 20 })
  @ApiCreatedResponse({
    type: IssuedKeyDto,
    description: 'The camera and its API key, shown once',
    example: {
      camera: { ...EXAMPLES.camera, name: 'cam-side-2', lastSeenAt: null },
      key: EXAMPLES.apiKey,
      apiKey: 'lsk_Ab12CdEf34GhIj56KlMn78OpQr90StUv',
    },
  })
  @ApiErrors(400, NO_LINE, [409, 'The line has a camera with this name (camera_exists)'])
  createCamera(
    @Param('id', ParseUUIDPipe) lineId: string,
    @Body() body: CreateCameraDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<IssuedKeyDto> {
    return this.cameras.create(lineId, body, actor);
  }

  @Get(':id/cameras')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({ summary: "A line's cameras" })
  @ApiParam(LINE_ID)
  @ApiOkResponse({ type: [CameraDto], example: [EXAMPLES.camera] })
  @ApiErrors(400, NO_LINE)
  async listCameras(@Param('id', ParseUUIDPipe) lineId: string): Promise<CameraDto[]> {
    await this.lines.get(lineId); // 404 line_not_found, not [], for a line that does not exist
    return this.cameras.list(lineId);
  }
}
