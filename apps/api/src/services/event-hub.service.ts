import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type UserRole } from '@linescope/db';
import { LOGGER } from '@linescope/platform';
import { type Logger } from 'pino';
import { EventListenerRepository } from '../repositories/event-listener.repository';
import { EventRepository, type StoredEvent } from '../repositories/event.repository';

/** A comment line every 15 s keeps proxies from closing an idle stream and lets clients notice a dead one. */
export const HEARTBEAT_MS = 15_000;
/** Ids of events already sent, remembered so a catch-up after a reconnection sends none twice. */
const RECENT_IDS = 5_000;

export interface EventSink {
  role: UserRole;
  send(event: StoredEvent): void;
  ping(): void;
  end(): void;
}

/** Training progress goes only to the people who run training. */
export function visibleTo(event: StoredEvent, role: UserRole): boolean {
  return event.audience === 'all' || role === 'ml_engineer' || role === 'admin';
}

/**
 * Fans the events of the process's one LISTEN connection out to every open stream. After a (re)connection it
 * reads back from the event log what was written while it was not listening.
 */
@Injectable()
export class EventHubService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sinks = new Set<EventSink>();
  private readonly recent = new Set<string>();
  private lastId: bigint | null = null;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly listener: EventListenerRepository,
    private readonly events: EventRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.listener.start({
      onEvent: (event) => this.dispatch(event),
      onListening: () => void this.catchUp(),
    });
    this.heartbeat = setInterval(() => this.sinks.forEach((sink) => sink.ping()), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closeStreams();
    clearInterval(this.heartbeat);
    await this.listener.stop();
  }

  get streams(): number {
    return this.sinks.size;
  }

  /** Ends every open stream (at shutdown, so they do not hold the HTTP server open). */
  closeStreams(): void {
    for (const sink of this.sinks) sink.end();
    this.sinks.clear();
  }

  /**
   * Starts a stream: live events are held while the log after `lastEventId` is replayed, then sent, without
   * duplicates. Returns the function that detaches the stream.
   */
  async open(sink: EventSink, lastEventId: string | undefined): Promise<() => void> {
    const held: StoredEvent[] = [];
    // Ids sent by the replay: a notification of the same event arriving late is not sent again.
    const replayed = new Set<string>();
    let replaying = lastEventId !== undefined;
    const gate: EventSink = {
      role: sink.role,
      send: (event) => {
        if (replaying) held.push(event);
        else if (!replayed.has(event.id)) sink.send(event);
      },
      ping: () => sink.ping(),
      end: () => sink.end(),
    };
    this.sinks.add(gate);
    if (lastEventId !== undefined) {
      try {
        for (const event of await this.events.after(lastEventId)) {
          replayed.add(event.id);
          if (visibleTo(event, sink.role)) sink.send(event);
        }
      } catch (error) {
        this.sinks.delete(gate);
        throw error;
      } finally {
        replaying = false;
      }
      for (const event of held) gate.send(event);
    }
    return () => this.sinks.delete(gate);
  }

  private dispatch(event: StoredEvent): void {
    if (this.recent.has(event.id)) return;
    this.recent.add(event.id);
    if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value!);
    const id = BigInt(event.id);
    if (this.lastId === null || id > this.lastId) this.lastId = id;
    for (const sink of this.sinks) if (visibleTo(event, sink.role)) sink.send(event);
  }

  private async catchUp(): Promise<void> {
    try {
      if (this.lastId === null) {
        this.lastId = BigInt(await this.events.latestId());
        return;
      }
      for (const event of await this.events.after(this.lastId.toString())) this.dispatch(event);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read back the events missed while not listening');
    }
  }
}
