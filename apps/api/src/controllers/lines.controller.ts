import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
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
import { EXAMPLE_IDS } from '../openapi/example-ids';
import { CameraService } from '../services/camera.service';
import { LineService } from '../services/line.service';
import { WebhookService } from '../services/webhook.service';

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
  @ApiCreatedResponse({ type: CreatedLineDto })
  create(@Body() body: CreateLineDto, @CurrentPrincipal() actor: UserPrincipal): Promise<CreatedLineDto> {
    return this.lines.create(body, actor);
  }

  @Get()
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOkResponse({ type: [LineDto] })
  list(): Promise<LineDto[]> {
    return this.lines.list();
  }

  @Get(':id')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOkResponse({ type: LineDto })
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<LineDto> {
    return mapLine(await this.lines.get(id));
  }

  @Patch(':id')
  @Allow('admin')
  @ApiOkResponse({ type: CreatedLineDto })
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
  @ApiOkResponse({ type: WebhookTestResultDto })
  @ApiResponse({ status: 401, description: 'No credential, or an unknown one' })
  @ApiResponse({ status: 403, description: 'Only administrators test webhooks' })
  @ApiResponse({ status: 404, description: 'line_not_found' })
  @ApiResponse({ status: 409, description: 'no_webhook: the line has no webhookUrl' })
  testWebhook(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<WebhookTestResultDto> {
    return this.webhooks.sendTest(id, actor);
  }

  @Post(':id/cameras')
  @Allow('admin')
  @ApiCreatedResponse({ type: IssuedKeyDto, description: 'The camera and its API key, shown once' })
  createCamera(
    @Param('id', ParseUUIDPipe) lineId: string,
    @Body() body: CreateCameraDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<IssuedKeyDto> {
    return this.cameras.create(lineId, body, actor);
  }

  @Get(':id/cameras')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOkResponse({ type: [CameraDto] })
  async listCameras(@Param('id', ParseUUIDPipe) lineId: string): Promise<CameraDto[]> {
    await this.lines.get(lineId); // 404 line_not_found, not [], for a line that does not exist
    return this.cameras.list(lineId);
  }
}
