import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { ApiKeyDto, IssuedKeyDto, RotateKeyDto } from '../dtos/camera.dto';
import { ApiErrors, ApiJsonBody } from '../openapi/api-docs';
import { EXAMPLE_IDS } from '../openapi/example-ids';
import { EXAMPLES } from '../openapi/examples';
import { CameraService } from '../services/camera.service';

const CAMERA_ID = { name: 'id', description: 'The camera', example: EXAMPLE_IDS.camera } as const;
const NO_CAMERA: [number, string] = [404, 'No such camera (camera_not_found)'];

@ApiTags('cameras')
@Allow('admin')
@Controller('api/v1/cameras')
export class CamerasController {
  constructor(private readonly cameras: CameraService) {}

  @Get(':id/keys')
  @ApiOperation({ summary: "A camera's API keys (prefixes and states)" })
  @ApiParam(CAMERA_ID)
  @ApiOkResponse({
    type: [ApiKeyDto],
    description: 'Key prefixes and states; keys themselves are never shown again',
    example: [EXAMPLES.apiKey],
  })
  @ApiErrors(400, NO_CAMERA)
  listKeys(@Param('id', ParseUUIDPipe) id: string): Promise<ApiKeyDto[]> {
    return this.cameras.listKeys(id);
  }

  @Post(':id/keys')
  @ApiOperation({ summary: 'Issue a new API key for a camera (rotation)' })
  @ApiParam(CAMERA_ID)
  @ApiJsonBody(RotateKeyDto, { keepPrevious: true }, 'Keep the current keys for a switch-over')
  @ApiCreatedResponse({
    type: IssuedKeyDto,
    description: 'A new key, shown once; previous keys are revoked unless kept',
    example: {
      camera: EXAMPLES.camera,
      key: { ...EXAMPLES.apiKey, id: '6a0e4f7c-2b1d-4e8a-9c3f-5d7b8a1e2f40', prefix: 'lsk_Wx34Yz' },
      apiKey: 'lsk_Wx34YzAb56CdEf78GhIj90KlMn12OpQr',
    },
  })
  @ApiErrors(400, NO_CAMERA)
  rotate(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: RotateKeyDto,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<IssuedKeyDto> {
    return this.cameras.rotate(id, body.keepPrevious ?? false, actor);
  }

  @Post(':id/keys/:keyId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: "Revoke one of a camera's API keys" })
  @ApiParam(CAMERA_ID)
  @ApiParam({ name: 'keyId', description: 'The key', example: EXAMPLE_IDS.cameraKey })
  @ApiOkResponse({ type: ApiKeyDto, example: { ...EXAMPLES.apiKey, revokedAt: '2026-11-29T09:00:00.000Z' } })
  @ApiErrors(400, [404, 'No such camera or key (camera_not_found, key_not_found)'])
  revoke(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('keyId', ParseUUIDPipe) keyId: string,
    @CurrentPrincipal() actor: UserPrincipal,
  ): Promise<ApiKeyDto> {
    return this.cameras.revoke(id, keyId, actor);
  }
}
