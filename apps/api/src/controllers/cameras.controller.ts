import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { ApiKeyDto, IssuedKeyDto, RotateKeyDto } from '../dtos/camera.dto';
import { CameraService } from '../services/camera.service';

@ApiTags('cameras')
@Allow('admin')
@Controller('api/v1/cameras')
export class CamerasController {
  constructor(private readonly cameras: CameraService) {}

  @Get(':id/keys')
  @ApiOkResponse({
    type: [ApiKeyDto],
    description: 'Key prefixes and states; keys themselves are never shown again',
  })
  listKeys(@Param('id', ParseUUIDPipe) id: string): Promise<ApiKeyDto[]> {
    return this.cameras.listKeys(id);
  }

  @Post(':id/keys')
  @ApiCreatedResponse({
    type: IssuedKeyDto,
    description: 'A new key, shown once; previous keys are revoked unless kept',
  })
  rotate(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: RotateKeyDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<IssuedKeyDto> {
    return this.cameras.rotate(id, body.keepPrevious ?? false, actor);
  }

  @Post(':id/keys/:keyId/revoke')
  @HttpCode(200)
  @ApiOkResponse({ type: ApiKeyDto })
  revoke(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('keyId', ParseUUIDPipe) keyId: string,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<ApiKeyDto> {
    return this.cameras.revoke(id, keyId, actor);
  }
}
