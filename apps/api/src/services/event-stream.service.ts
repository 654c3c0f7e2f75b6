import { Injectable } from '@nestjs/common';
import { type UserRole } from '@linescope/db';
import { type Request, type Response } from 'express';
import { type StoredEvent } from '../repositories/event.repository';
import { EventHubService } from './event-hub.service';

/** Writes one client's text/event-stream. */
@Injectable()
export class EventStreamService {
  constructor(private readonly hub: EventHubService) {}

  async open(
    role: UserRole,
    lastEventId: string | undefined,
    request: Request,
    response: Response,
  ): Promise<void> {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    // Tells EventSource how long to wait before reconnecting after the stream drops.
    response.write('retry: 3000\n\n');
    let open = true;
    let detach: () => void;
    try {
      detach = await this.hub.open(
        {
          role,
          send: (event: StoredEvent) => {
            if (open) response.write(formatEvent(event));
          },
          ping: () => {
            if (open) response.write(': ping\n\n');
          },
          end: () => {
            open = false;
            response.end();
          },
        },
        lastEventId,
      );
    } catch {
      // The replay could not be read (database down): end the stream; EventSource reconnects with the same id.
      response.end();
      return;
    }
    const close = () => {
      open = false;
      detach();
    };
    request.on('close', close);
    if (request.destroyed) close();
  }
}

export function formatEvent(event: StoredEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}
