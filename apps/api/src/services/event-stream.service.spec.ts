import { type UserRole } from '@linescope/db';
import express from 'express';
import { serveApp } from '../../../../test/support/http-stub';
import { EventListenerRepository } from '../repositories/event-listener.repository';
import { EventRepository } from '../repositories/event.repository';
import { openEventStream } from '../../../../test/support/event-stream';
import {
  createServiceTestBed,
  type ServiceTestBed,
  waitUntil,
} from '../../../../test/support/service-testing';
import { EventHubService } from './event-hub.service';
import { EventStreamService } from './event-stream.service';

describe('EventStreamService (real PostgreSQL events, a real HTTP stream)', () => {
  let bed: ServiceTestBed;
  let hub: EventHubService;
  let server: { url: string; close(): Promise<void> };
  let base: string;

  beforeAll(async () => {
    bed = await createServiceTestBed([
      EventListenerRepository,
      EventRepository,
      EventHubService,
      EventStreamService,
    ]);
    hub = bed.get(EventHubService);
    hub.onApplicationBootstrap();
    const streams = bed.get(EventStreamService);
    // The events controller's shape: the role from the principal, the id from Last-Event-ID.
    const app = express();
    app.get('/events/:role', (request, response) => {
      void streams.open(request.params.role as UserRole, request.header('last-event-id'), request, response);
    });
    server = await serveApp(app);
    base = server.url;
    const listener = bed.get(EventListenerRepository);
    await waitUntil(() => listener.listening);
  });
  afterAll(async () => {
    await hub.onApplicationShutdown();
    await server.close();
    await bed.close();
  });

  const emit = (label: string) =>
    bed.dataSource.query(`SELECT emit_event('review', jsonb_build_object('label', $1::text))`, [label]);

  it('opens an uncached text/event-stream with a retry delay, and writes each event with its id and type', async () => {
    const client = await openEventStream(`${base}/events/qa`, {});
    expect(client.status).toBe(200);
    expect(client.contentType).toBe('text/event-stream; charset=utf-8');
    await client.waitForText('retry: 3000\n\n');
    await emit('hello');
    const event = await client.waitFor((received) => received.data.label === 'hello');
    expect(event).toEqual({
      id: await bed.get(EventRepository).latestId(),
      type: 'review',
      data: { label: 'hello' },
    });
    client.close();
    await waitUntil(() => hub.streams === 0);
    expect(hub.streams).toBe(0); // a client that went away is detached
  });

  it('resumes after Last-Event-ID with what the client missed', async () => {
    await emit('seen');
    const since = await bed.get(EventRepository).latestId();
    await emit('missed');
    const client = await openEventStream(`${base}/events/qa`, { 'Last-Event-ID': since });
    await client.waitFor((received) => received.data.label === 'missed');
    expect(client.events.map((received) => received.data.label)).toEqual(['missed']);
    client.close();
  });

  it('ends the stream, attaching nothing, when the replay cannot be read', async () => {
    const response = await fetch(`${base}/events/qa`, { headers: { 'Last-Event-ID': 'not-a-number' } });
    expect(await response.text()).toBe('retry: 3000\n\n');
    expect(hub.streams).toBe(0);
  });
});
