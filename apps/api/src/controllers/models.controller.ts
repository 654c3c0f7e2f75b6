import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { ModelQueryDto, ModelVersionDto, ShadowDto, ShadowReportDto } from '../dtos/model.dto';
import { ModelLifecycleService } from '../services/model-lifecycle.service';

@ApiTags('models')
@Controller('api/v1/models')
export class ModelsController {
  constructor(private readonly models: ModelLifecycleService) {}

  @Get()
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOkResponse({ type: [ModelVersionDto] })
  list(@Query() query: ModelQueryDto): Promise<ModelVersionDto[]> {
    return this.models.list(query.stage);
  }

  @Post('rollback')
  @HttpCode(200)
  @Allow('admin', 'ml_engineer')
  @ApiOperation({ summary: 'Serve again the version the current production model replaced' })
  @ApiOkResponse({ type: ModelVersionDto, description: 'The version now in production' })
  rollback(@CurrentPrincipal() actor: UserPrincipal): Promise<ModelVersionDto> {
    return this.models.rollback(actor);
  }

  @Get(':id')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOkResponse({ type: ModelVersionDto })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<ModelVersionDto> {
    return this.models.get(id);
  }

  @Post(':id/promote')
  @HttpCode(200)
  @Allow('admin', 'ml_engineer')
  @ApiOperation({
    summary: 'Make this version serve production; inference instances warm it before switching',
  })
  @ApiOkResponse({ type: ModelVersionDto })
  promote(
    @Param('id', ParseUUIDPipe) id: string,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<ModelVersionDto> {
    return this.models.promote(id, actor);
  }

  @Post(':id/shadow')
  @HttpCode(200)
  @Allow('admin', 'ml_engineer')
  @ApiOperation({ summary: 'Start or stop scoring live traffic with this version beside production' })
  @ApiOkResponse({ type: ModelVersionDto })
  shadow(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: ShadowDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<ModelVersionDto> {
    return this.models.setShadow(id, body.enabled, actor);
  }

  @Get(':id/shadow-report')
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOkResponse({ type: ShadowReportDto })
  shadowReport(@Param('id', ParseUUIDPipe) id: string): Promise<ShadowReportDto> {
    return this.models.shadowReport(id);
  }
}
