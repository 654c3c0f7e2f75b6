import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JobQueue } from '@linescope/queue';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { RetentionPreviewDto, RetentionRunQueuedDto } from '../dtos/retention.dto';
import { StorageDto } from '../dtos/storage.dto';
import { ApiError } from '../errors/api-error';
import { ApiErrors } from '../openapi/api-docs';
import { EXAMPLE_IDS } from '../openapi/example-ids';
import { RetentionService } from '../services/retention.service';
import { StorageUsageService } from '../services/storage-usage.service';

const LINE_FIGURES = {
  lineId: EXAMPLE_IDS.line,
  name: 'tiles-line-1',
};

@ApiTags('retention')
@Controller('api/v1')
export class RetentionController {
  constructor(
    private readonly retention: RetentionService,
    private readonly storage: StorageUsageService,
    private readonly queue: JobQueue,
  ) {}

  @Get('retention/preview')
  @Allow('admin', 'ml_engineer')
  @ApiOperation({
    summary: 'What a retention run would delete now, per line',
    description:
      'Per line: its keep days (line override, else RETENTION_*_DAYS), the images past them that a run deletes, ' +
      'and those a frozen label set keeps because a model version was trained on it.',
  })
  @ApiOkResponse({
    type: RetentionPreviewDto,
    example: {
      lines: [
        {
          ...LINE_FIGURES,
          okDays: 30,
          flaggedDays: 180,
          reviewedDays: 730,
          images: 1200,
          imageBytes: 61_440_000,
          heldByLabelSets: 40,
        },
      ],
    },
  })
  @ApiErrors(503)
  async preview(): Promise<RetentionPreviewDto> {
    return { lines: await this.retention.preview() };
  }

  @Post('retention/run')
  @HttpCode(202)
  @Allow('admin')
  @ApiOperation({
    summary: 'Run retention now (the apply-retention job, otherwise daily at 02:40 UTC)',
    description:
      'Queues the job; what it deleted, how much and how long it took is written to the audit log ' +
      '(`retention.run`). 409 retention_queued when a run already waits to start.',
  })
  @ApiAcceptedResponse({
    type: RetentionRunQueuedDto,
    example: { jobId: '5c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5' },
  })
  @ApiErrors([409, 'A run already waits to start (retention_queued)'], 503)
  async run(@CurrentPrincipal() actor: UserPrincipal): Promise<RetentionRunQueuedDto> {
    const jobId = await this.queue.send('apply-retention', { requestedBy: actor.userId });
    if (!jobId) throw new ApiError(409, 'retention_queued', 'a retention run already waits to start');
    return { jobId };
  }

  @Get('storage')
  @Allow('admin', 'ml_engineer')
  @ApiOperation({
    summary: "Storage and rows per line, the data disk, and when the store is full at today's rate",
  })
  @ApiOkResponse({
    type: StorageDto,
    example: {
      driver: 'fs',
      lines: [
        {
          ...LINE_FIGURES,
          rows: 1_250_000,
          imagesStored: 410_000,
          imageBytes: 20_500_000_000,
          bytesPerDay: 2_100_000_000,
          rowsPerDay: 42_000,
        },
      ],
      totals: {
        rows: 1_250_000,
        imagesStored: 410_000,
        imageBytes: 20_500_000_000,
        bytesPerDay: 2_100_000_000,
      },
      disk: {
        path: '/var/lib/linescope',
        totalBytes: 500_000_000_000,
        freeBytes: 78_000_000_000,
        usedRatio: 0.844,
        warnRatio: 0.8,
        warning: "the data folder's disk is 84% full (warning past 80%): 78000000000 bytes free",
      },
      projection: {
        daysUntilFull: 37,
        basis:
          "free space of the data folder's disk over the image bytes received per day in the last 3 days",
      },
    },
  })
  @ApiErrors(503)
  storageUsage(): Promise<StorageDto> {
    return this.storage.report();
  }
}
