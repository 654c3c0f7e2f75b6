import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { type Request, type Response } from 'express';
import { Allow, CurrentPrincipal } from '../auth/auth.decorators';
import { type UserPrincipal } from '../auth/principals';
import { ApiError } from '../errors/api-error';
import { ApiErrors } from '../openapi/api-docs';
import { EventStreamService } from '../services/event-stream.service';

@ApiTags('events')
@Controller('api/v1/events')
export class EventsController {
  constructor(private readonly streams: EventStreamService) {}

  @Get()
  @Allow('admin', 'ml_engineer', 'qa')
  @ApiOperation({
    summary: 'Live events (server-sent events)',
    description:
      'Messages `id`, `event` (inspection, heatmap, review, training, model) and `data` (JSON; never image ' +
      'bytes); `: ping` every 15 s. With Last-Event-ID (or ?lastEventId=) the events stored after it (kept at ' +
      'least one hour) are sent first. Training events go only to ml_engineer and admin.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event id' })
  @ApiQuery({
    name: 'lastEventId',
    required: false,
    description: 'for EventSource polyfills',
    example: '1042',
  })
  @ApiOkResponse({
    description: 'An endless stream of events',
    content: {
      'text/event-stream': {
        schema: { type: 'string' },
        example: 'id: 1043\nevent: inspection\ndata: {"id":"0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1004"}\n\n',
      },
    },
  })
  @ApiErrors([400, 'Last-Event-ID is not an event id (invalid_last_event_id)'])
  async stream(
    @CurrentPrincipal() principal: UserPrincipal,
    @Headers('last-event-id') header: string | undefined,
    @Query('lastEventId') query: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const lastEventId = header || query || undefined;
    if (lastEventId !== undefined && !/^\d{1,19}$/.test(lastEventId))
      throw new ApiError(400, 'invalid_last_event_id', 'Last-Event-ID must be an event id');
    await this.streams.open(principal.role, lastEventId, request, response);
  }
}
