import { type UserRole } from '@linescope/db';
import { EventListenerRepository } from '../repositories/event-listener.repository';
import { EventRepository, type StoredEvent } from '../repositories/event.repository';
import {
  createServiceTestBed,
  type ServiceTestBed,
  waitUntil,
} from '../../../../test/support/service-testing';
import { EventHubService } from './event-hub.service';

/** A stream as the hub sees it, recording what it is sent. */
function recordingSink(role: UserRole) {
  const sink = {
    role,
    sent: [] as StoredEvent[],
    ended: false,
    send: (event: StoredEvent) => void sink.sent.push(event),
    ping: () => undefined,
    end: () => void (sink.ended = true),
  };
  return sink;
}

describe('EventHubService (real PostgreSQL LISTEN/NOTIFY and event log)', () => {
  let bed: ServiceTestBed;
  let hub: EventHubService;

  beforeAll(async () => {
    bed = await createServiceTestBed([EventListenerRepository, EventRepository, EventHubService]);
    hub = bed.get(EventHubService);
    hub.onApplicationBootstrap();
    const listener = bed.get(EventListenerRepository);
    await waitUntil(() => listener.listening);
  });
  afterAll(async () => {
    await hub.onApplicationShutdown();
    await bed.close();
  });

  /** Writes an event as the triggers do (the log row and its notification), answering its id. */
  const emit = async (label: string, audience: 'all' | 'training' = 'all'): Promise<string> => {
    await bed.dataSource.query(`SELECT emit_event('inspection', jsonb_build_object('label', $1::text), $2)`, [
      label,
      audience,
    ]);
    return await bed.get(EventRepository).latestId();
  };
  const labels = (sink: { sent: StoredEvent[] }) => sink.sent.map((event) => event.data.label);

  it('sends live events to every stream, training events only to the people who run training', async () => {
    const qa = recordingSink('qa');
    const engineer = recordingSink('ml_engineer');
    const detachQa = await hub.open(qa, undefined);
    const detachEngineer = await hub.open(engineer, undefined);
    await emit('live-1');
    await emit('progress', 'training');
    await emit('live-2');
    await waitUntil(() => engineer.sent.length === 3 && qa.sent.length === 2);
    expect(labels(engineer)).toEqual(['live-1', 'progress', 'live-2']);
    expect(labels(qa)).toEqual(['live-1', 'live-2']);
    detachQa();
    detachEngineer();
  });

  it('replays the log after Last-Event-ID, then live events, each once and in order', async () => {
    const since = await emit('before');
    // Written just before the stream opens: their notifications may arrive during or after the replay.
    await emit('missed-1');
    await emit('missed-2', 'training');
    await emit('missed-3');
    const qa = recordingSink('qa');
    const detach = await hub.open(qa, since);
    await emit('after');
    await waitUntil(() => labels(qa).includes('after'));
    await new Promise((resolve) => setTimeout(resolve, 100)); // a late duplicate would have come by now
    expect(labels(qa)).toEqual(['missed-1', 'missed-3', 'after']);
    detach();
  });

  it('sends nothing to a detached stream, and ends open streams at shutdown', async () => {
    const gone = recordingSink('admin');
    const open = recordingSink('admin');
    (await hub.open(gone, undefined))();
    await hub.open(open, undefined);
    await emit('after-detach');
    await waitUntil(() => open.sent.length === 1);
    expect(gone.sent).toEqual([]);
    expect(hub.streams).toBe(1);
    hub.closeStreams();
    expect(open.ended).toBe(true);
    expect(hub.streams).toBe(0);
  });
});
