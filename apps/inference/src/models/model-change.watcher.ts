import { MODELS_CHANNEL, listenForModelChanges } from '@linescope/db';
import { Client } from 'pg';
import { type Logger } from 'pino';

export interface ModelChangeWatcherOptions {
  databaseUrl: string;
  pollMs: number;
  logger: Logger;
  /** Called on every notification, every poll and every (re)connection; the receiver coalesces. */
  onChange: (reason: string) => void;
  /** First reconnection delay; doubles up to 30 s. */
  reconnectMs?: number;
}

const MAX_RECONNECT_MS = 30_000;

/**
 * Hears about model changes: LISTEN on a dedicated connection (reconnected with backoff when it drops, with a
 * re-read after each reconnection since notifications sent meanwhile are lost), and a poll as the fallback for
 * anything a notification does not cover (a change made straight in the database).
 */
export class ModelChangeWatcher {
  private client: Client | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay: number;
  private stopped = false;

  constructor(private readonly options: ModelChangeWatcherOptions) {
    this.reconnectDelay = options.reconnectMs ?? 1_000;
  }

  start(): void {
    this.pollTimer = setInterval(() => this.options.onChange('poll'), this.options.pollMs);
    this.pollTimer.unref();
    void this.connect();
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: 'linescope-inference-listen',
    });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.options.logger.warn(
        { err: error, retryInMs: this.reconnectDelay },
        `lost the ${MODELS_CHANNEL} listener; polling continues`,
      );
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel === MODELS_CHANNEL) this.options.onChange(`notification ${message.payload ?? ''}`);
    });
    try {
      await client.connect();
      await listenForModelChanges(client);
    } catch (error) {
      onLost(error as Error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.reconnectDelay = this.options.reconnectMs ?? 1_000;
    this.options.onChange('listening');
  }

  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), this.reconnectDelay);
    this.reconnectTimer.unref();
    this.reconnectDelay = Math.min(MAX_RECONNECT_MS, this.reconnectDelay * 2);
  }
}
