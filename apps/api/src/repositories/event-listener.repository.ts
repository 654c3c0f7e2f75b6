import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { assertServerIdentity } from '@linescope/db';
import { APP_CONFIG, LOGGER } from '@linescope/platform';
import { Client } from 'pg';
import { type Logger } from 'pino';
import { EVENTS_CHANNEL, type StoredEvent, parseNotification } from './event.repository';

export interface EventListenerHandlers {
  onEvent(event: StoredEvent): void;
  /** After every (re)connection: notifications sent while disconnected are lost and must be read back. */
  onListening(): void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;

/**
 * The process's one LISTEN connection for live events (every SSE stream shares it), reconnected with backoff
 * when the database goes away.
 */
@Injectable()
export class EventListenerRepository {
  private client: Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = FIRST_RETRY_MS;
  private stopped = true;
  private handlers: EventListenerHandlers | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  get listening(): boolean {
    return this.client !== undefined;
  }

  start(handlers: EventListenerHandlers): void {
    this.handlers = handlers;
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped || !this.handlers) return;
    const handlers = this.handlers;
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: 'linescope-api-events',
    });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn({ err: error, retryInMs: this.retryMs }, `lost the ${EVENTS_CHANNEL} listener`);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
      this.retryTimer.unref();
      this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      const event = message.channel === EVENTS_CHANNEL ? parseNotification(message.payload) : null;
      if (event) handlers.onEvent(event);
    });
    try {
      await client.connect();
      // Like every other connection: never LISTEN on a server that is not this installation's cluster.
      const systemIdentifier = this.config.database.systemIdentifier;
      if (systemIdentifier) await assertServerIdentity(client, systemIdentifier);
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      onLost(error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
    handlers.onListening();
  }
}
