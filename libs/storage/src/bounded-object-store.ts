import { type Readable } from 'node:stream';
import { type ObjectInfo, type ObjectStore, type PutOptions } from './object-store';

/** The object store did not answer within its bound: callers answer 503, never wait on. */
export class StorageTimeoutError extends Error {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
    where: string,
  ) {
    super(`the ${where} did not answer a ${operation} within ${timeoutMs} ms`);
    this.name = 'StorageTimeoutError';
  }
}

/** Late-write chases at once; during a long outage the orphan sweep takes over beyond this. */
const MAX_CHASES = 1_000;

export interface BoundedStoreOptions {
  /** Bound on each call; a put of a large body gets one more second per MiB. */
  timeoutMs: number;
  /** Names the store in errors, e.g. "S3 bucket linescope at http://minio:9000". */
  describe: string;
  /** How long a put that timed out is chased afterwards, in case the stalled server stores it late. */
  cleanupForMs?: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * Bounds every call of another store, so a stalled server (a process stopped, not dead) costs a caller at most
 * `timeoutMs`. A put that timed out may still land once the server wakes up, leaving an object no row points to:
 * it is deleted in the background as soon as the store answers again (the orphan sweep remains the backstop).
 */
export class BoundedObjectStore implements ObjectStore {
  readonly kind: ObjectStore['kind'];
  private readonly pendingCleanups = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly inner: ObjectStore,
    private readonly options: BoundedStoreOptions,
  ) {
    this.kind = inner.kind;
  }

  init(): Promise<void> {
    return this.bound('bucket check', () => this.inner.init());
  }

  async put(key: string, body: Buffer, options?: PutOptions): Promise<ObjectInfo> {
    const allowance = Math.ceil(body.length / (1024 * 1024)) * 1_000;
    try {
      return await this.bound(
        'write',
        () => this.inner.put(key, body, options),
        this.options.timeoutMs + allowance,
      );
    } catch (error) {
      if (error instanceof StorageTimeoutError) this.chaseLateWrite(key);
      throw error;
    }
  }

  /** Opening is bounded, then every chunk must follow the previous one within the bound: large objects still load. */
  async get(key: string): Promise<Buffer> {
    const stream = await this.getStream(key);
    const chunks: Buffer[] = [];
    const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      for (;;) {
        const next = await this.bound('read', () => iterator.next());
        if (next.done) break;
        chunks.push(next.value);
      }
    } catch (error) {
      stream.destroy();
      throw error;
    }
    return Buffer.concat(chunks);
  }

  getStream(key: string): Promise<Readable> {
    return this.bound('read', () => this.inner.getStream(key));
  }

  stat(key: string): Promise<ObjectInfo | null> {
    return this.bound('stat', () => this.inner.stat(key));
  }

  exists(key: string): Promise<boolean> {
    return this.bound('stat', () => this.inner.exists(key));
  }

  delete(key: string): Promise<void> {
    return this.bound('delete', () => this.inner.delete(key));
  }

  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.inner.list(prefix);
  }

  ping(): Promise<void> {
    return this.bound('ping', () => this.inner.ping());
  }

  /** Stops chasing late writes (on shutdown); the orphan sweep deletes what is left. */
  close(): void {
    this.closed = true;
  }

  /** Resolves once every late-write chase has ended (for tests and orderly shutdown). */
  async settled(): Promise<void> {
    while (this.pendingCleanups.size) await Promise.all([...this.pendingCleanups]);
  }

  private bound<T>(
    operation: string,
    call: () => Promise<T>,
    timeoutMs = this.options.timeoutMs,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new StorageTimeoutError(operation, timeoutMs, this.options.describe)),
        timeoutMs,
      );
      call().then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  /**
   * Deletes `key` once the store answers, then checks twice more a second apart that it stays gone: a write that was
   * queued in the stalled server may complete after the first delete.
   */
  private chaseLateWrite(key: string): void {
    if (this.pendingCleanups.size >= MAX_CHASES) return; // the orphan sweep deletes the rest
    const until = Date.now() + (this.options.cleanupForMs ?? 10 * 60_000);
    this.options.log?.('removing an object whose write timed out, once the store answers', { key });
    const chase = (async () => {
      let confirmations = 0;
      while (!this.closed && Date.now() < until && confirmations < 3) {
        try {
          if (confirmations === 0 || (await this.exists(key))) {
            await this.delete(key);
            confirmations = 1;
          } else {
            confirmations += 1;
          }
        } catch {
          confirmations = 0;
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      }
    })();
    this.pendingCleanups.add(chase);
    void chase.finally(() => this.pendingCleanups.delete(chase));
  }
}
