import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { CameraDto, CreateCameraDto, IssuedKeyDto } from '../dtos/camera.dto';
import { CreateLineDto, CreatedLineDto, LineDto, UpdateLineDto, mapLine } from '../dtos/line.dto';
import { CameraService } from '../services/camera.service';
import { LineService } from '../services/line.service';

@ApiTags('lines')
@Controller('api/v1/lines')
export class LinesController {
  constructor(
    private readonly lines: LineService,
    private readonly cameras: CameraService,
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
