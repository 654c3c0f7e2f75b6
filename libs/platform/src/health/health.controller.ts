import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { HealthService, type ReadinessReport } from './health.service';

const READINESS_SCHEMA = {
  type: 'object' as const,
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string' as const, enum: ['ready', 'unavailable'] },
    checks: {
      type: 'object' as const,
      additionalProperties: {
        type: 'object' as const,
        required: ['status', 'ms'],
        properties: {
          status: { type: 'string' as const, enum: ['up', 'down'] },
          ms: { type: 'number' as const },
          error: { type: 'string' as const },
        },
      },
    },
    disk: {
      type: 'object' as const,
      description: "The data folder's disk; `warning` is set past DISK_WARN_RATIO",
      required: ['path', 'totalBytes', 'freeBytes', 'usedRatio', 'warnRatio'],
      properties: {
        path: { type: 'string' as const },
        totalBytes: { type: 'number' as const },
        freeBytes: { type: 'number' as const },
        usedRatio: { type: 'number' as const },
        warnRatio: { type: 'number' as const },
        warning: { type: 'string' as const },
      },
    },
  },
};
const READY_EXAMPLE = {
  status: 'ready',
  checks: { database: { status: 'up', ms: 2 }, storage: { status: 'up', ms: 1 } },
};

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** The process is up and its event loop answers. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({
    description: 'The process is alive.',
    schema: {
      type: 'object',
      required: ['status'],
      properties: { status: { type: 'string', enum: ['ok'] } },
    },
    example: { status: 'ok' },
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Every dependency (database, storage, queue) answers: safe to route traffic here. */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: every dependency (database, storage, queue) answers' })
  @ApiOkResponse({
    description: 'All dependencies answer.',
    schema: READINESS_SCHEMA,
    example: READY_EXAMPLE,
  })
  @ApiServiceUnavailableResponse({
    description: 'At least one dependency does not answer.',
    schema: READINESS_SCHEMA,
    example: {
      status: 'unavailable',
      checks: {
        ...READY_EXAMPLE.checks,
        storage: { status: 'down', ms: 2000, error: 'no answer within 2000 ms' },
      },
    },
  })
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    res.status(report.status === 'ready' ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }
}
