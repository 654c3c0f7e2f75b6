import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { ApiErrors } from '../openapi/api-docs';
import { InspectionFilesService } from '../services/inspection-files.service';
import { SignedUrlService } from '../services/signed-url.service';

/** Serves signed links; the signature is the credential, so there is no other authentication here. */
@ApiTags('files')
@Controller('api/v1/files')
export class FilesController {
  constructor(
    private readonly signer: SignedUrlService,
    private readonly files: InspectionFilesService,
  ) {}

  @Get(':token')
  @ApiOperation({
    summary: 'Follow a signed link (from GET /api/v1/inspections/{id}/links)',
    description:
      'The signature is the credential, so no other is needed. Links are minted by the server and live five ' +
      'minutes: the examples below show their shape, take real ones from the links operation.',
  })
  @ApiParam({
    name: 'token',
    description: "The object's key, base64url",
    example: 'aW1hZ2VzL2V4YW1wbGUucG5n',
  })
  @ApiQuery({ name: 'expires', description: 'Expiry, Unix seconds', example: '1796026800' })
  @ApiQuery({
    name: 'sig',
    description: 'HMAC-SHA256 of the key and the expiry',
    example: '3kq6W2b0c8YyH1s9nXo4Zp7Rf5Lm2Tj8Gd0Ve3Ua6Nw',
  })
  @ApiOkResponse({
    description: 'The file a signed link points at',
    content: { 'image/*': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(
    [403, 'The link is unsigned, forged (invalid_link) or expired (link_expired)'],
    [404, 'The file is gone (object_not_found)'],
    503,
  )
  async get(
    @Param('token') token: string,
    @Query('expires') expires: string | undefined,
    @Query('sig') signature: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    await this.files.stream(this.signer.verify(token, expires, signature), response);
  }
}
