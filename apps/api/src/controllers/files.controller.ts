import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
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
  @ApiOkResponse({ description: 'The file a signed link points at' })
  async get(
    @Param('token') token: string,
    @Query('expires') expires: string | undefined,
    @Query('sig') signature: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    await this.files.stream(this.signer.verify(token, expires, signature), response);
  }
}
