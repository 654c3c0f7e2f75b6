const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a camera saw of one upload, from its first attempt to its last answer. */
export interface UploadRecord {
  idempotencyKey: string;
  attempts: number;
  /** The 2xx that acknowledged it, if any. */
  acknowledged?: { status: number; inspectionId: string; inspectionStatus: string };
  /** A non-retryable answer (4xx other than 429): the camera gives the image up. */
  refused?: { status: number; error: string };
}

export interface StreamTally {
  sent: number;
  acknowledged: number;
  /** Answers a camera retries: 5xx, 429, network errors and timeouts. */
  retryable: number;
  nonRetryable: number;
  /** Uploads still without a final answer when the camera gave up waiting. */
  unanswered: number;
  /** Non-retryable answers, as `status error`, for the failure message. */
  refusals: string[];
  /** Retryable answers by kind (`503 storage_unavailable`, `network`, ...). */
  retryableKinds: Record<string, number>;
}

/**
 * A camera as a production one behaves: a bounded stream of uploads at a fixed rate, each with its own
 * idempotency key, retried with the same key on 5xx, 429 and network errors until it is acknowledged (2xx) or
 * refused (any other 4xx), or `giveUpAfterMs` after the stream ended.
 */
export class Camera {
  readonly records: UploadRecord[] = [];
  private readonly retryable: Record<string, number> = {};

  constructor(
    private readonly api: () => string,
    private readonly apiKey: string,
    private readonly images: Buffer[],
    private readonly prefix: string,
  ) {}

  /**
   * Sends uploads at `perSecond`: at least `minCount`, and on while `until` (the fault) has not settled, at most
   * `maxCount`; then waits for every upload's final answer, retrying for up to `giveUpAfterMs` after the last one.
   */
  async stream(options: {
    perSecond: number;
    minCount: number;
    maxCount?: number;
    until?: Promise<unknown>;
    giveUpAfterMs: number;
    requestTimeoutMs?: number;
  }): Promise<StreamTally> {
    let faultOver = options.until === undefined;
    void options.until?.finally(() => (faultOver = true)).catch(() => undefined);
    const maxCount = options.maxCount ?? options.minCount * 10;
    const uploads: Promise<void>[] = [];
    let giveUpAt = Number.POSITIVE_INFINITY;
    for (let i = 0; i < maxCount && (i < options.minCount || !faultOver); i++) {
      const record: UploadRecord = { idempotencyKey: `${this.prefix}-${this.records.length}`, attempts: 0 };
      this.records.push(record);
      uploads.push(
        this.deliver(
          record,
          this.images[i % this.images.length],
          options.requestTimeoutMs ?? 15_000,
          () => giveUpAt,
        ),
      );
      await sleep(1000 / options.perSecond);
    }
    giveUpAt = Date.now() + options.giveUpAfterMs;
    await Promise.all(uploads);
    return this.tally();
  }

  tally(): StreamTally {
    return {
      sent: this.records.length,
      acknowledged: this.records.filter((r) => r.acknowledged).length,
      retryable: Object.values(this.retryable).reduce((sum, n) => sum + n, 0),
      nonRetryable: this.records.filter((r) => r.refused).length,
      unanswered: this.records.filter((r) => !r.acknowledged && !r.refused).length,
      refusals: this.records.filter((r) => r.refused).map((r) => `${r.refused!.status} ${r.refused!.error}`),
      retryableKinds: { ...this.retryable },
    };
  }

  private async deliver(
    record: UploadRecord,
    image: Buffer,
    timeoutMs: number,
    giveUpAt: () => number,
  ): Promise<void> {
    let delayMs = 200;
    while (Date.now() < giveUpAt()) {
      record.attempts += 1;
      let retryAfterMs = delayMs;
      try {
        const response = await fetch(`${this.api()}/api/v1/inspections?serial=${record.idempotencyKey}`, {
          method: 'POST',
          headers: {
            'x-api-key': this.apiKey,
            'content-type': 'image/jpeg',
            'idempotency-key': record.idempotencyKey,
          },
          body: image,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const body = (await response.json().catch(() => ({}))) as Record<string, string | undefined>;
        if (response.status >= 200 && response.status < 300) {
          record.acknowledged = {
            status: response.status,
            inspectionId: String(body.id),
            inspectionStatus: String(body.status),
          };
          return;
        }
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          record.refused = { status: response.status, error: String(body.error) };
          return;
        }
        this.count(`${response.status} ${body.error ?? ''}`.trim());
        const retryAfter = Number(response.headers.get('retry-after'));
        if (retryAfter > 0) retryAfterMs = retryAfter * 1000;
      } catch (error) {
        this.count((error as Error).name === 'TimeoutError' ? 'timeout' : 'network');
      }
      await sleep(retryAfterMs);
      delayMs = Math.min(delayMs * 2, 2_000);
    }
  }

  private count(kind: string): void {
    this.retryable[kind] = (this.retryable[kind] ?? 0) + 1;
  }
}
