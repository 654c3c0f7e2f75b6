import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow } from '../auth/auth.decorators';
import { AuditPageDto, AuditQueryDto } from '../dtos/audit.dto';
import { ApiErrors } from '../openapi/api-docs';
import { AuditLogService } from '../services/audit-log.service';

@ApiTags('audit')
@Controller('api/v1/audit-events')
export class AuditEventsController {
  constructor(private readonly audit: AuditLogService) {}

  @Get()
  @Allow('admin')
  @ApiOperation({
    summary: 'The audit log, newest first, filtered and paged',
    description:
      'Who did what to which object: sign-up, roles, disabling, password resets, lines, cameras and keys, ' +
      'promotions. Filters combine (AND). Pass nextCursor as cursor for the next, older page.',
  })
  @ApiOkResponse({
    type: AuditPageDto,
    example: {
      items: [
        {
          id: '42',
          actorType: 'user',
          actorId: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c100a',
          actorEmail: 'admin@example.com',
          action: 'line.create',
          targetType: 'production_line',
          targetId: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1001',
          details: { name: 'tiles-line-1' },
          createdAt: '2026-12-03T08:15:00.000Z',
        },
      ],
      nextCursor: null,
    },
  })
  @ApiErrors([400, 'invalid_request (a filter), invalid_range or invalid_cursor'])
  list(@Query() query: AuditQueryDto): Promise<AuditPageDto> {
    return this.audit.list(query);
  }
}
