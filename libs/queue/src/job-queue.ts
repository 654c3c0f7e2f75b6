import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { type JobContext, type JobHandler, type JobHandlerMap, assertHandlersComplete } from './job-handlers';
import {
  ALL_JOB_KINDS,
  JOB_KINDS,
  type JobKind,
  type JobPayload,
  type WorkerRole,
  jobKindsFor,
  parsePayload,
} from './job-kinds';

export interface JobQueueOptions {
  databaseUrl: string;
  /** PostgreSQL schema that holds the queue tables. */
  schema?: string;
  /** How often an idle worker polls for work (seconds, at least 0.5). */
  pollingIntervalSeconds?: number;
  /** How long failed jobs stay queryable before pg-boss archives them. */
  keepFailedForSeconds?: number;
  onError?: (error: Error) => void;
  /** Runs on every new connection of the queue before it is used; a rejection refuses that connection. */
  verifyConnection?: (client: { query(text: string): Promise<unknown> }) => Promise<void>;
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Bounds on the queue's connections and statements (a send on the request path must not wait forever). */
  timeouts?: { connectMs: number; statementMs: number };
  /**
   * Most jobs of a kind left waiting (`created`): while this instance works the kind, the oldest beyond the
   * limit are deleted every BACKLOG_TRIM_EVERY_MS. For work that is worthless once stale (heatmaps).
   */
  backlogLimits?: Partial<Record<JobKind, number>>;
}

/** How often a worker trims the backlogs of its kinds that have a limit. */
export const BACKLOG_TRIM_EVERY_MS = 2_000;

export interface SendOptions {
  /** With a 'short' queue policy, at most one job per key waits in the queue. */
  singletonKey?: string;
  /** The job's own id: a second send with the same id (of the same kind) is a no-op answering null. */
  id?: string;
  startAfter?: Date | number;
  /** Runs the insert on an open transaction, so the job exists only if the transaction commits. */
  db?: { executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }> };
}

const QUEUE_SETUP_LOCK_ID = 7_261_002;

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

export interface JobRecord {
  id: string;
  kind: JobKind;
  state: JobState;
  retryCount: number;
  payload: unknown;
  output: unknown;
}

/** The PostgreSQL job queue (pg-boss): one queue per job kind, retries with backoff, failed jobs kept visible. */
export class JobQueue {
  private readonly boss: PgBoss;
  private readonly pollingIntervalSeconds: number;
  private started = false;
  private readonly trimTimers: NodeJS.Timeout[] = [];

  constructor(private readonly options: JobQueueOptions) {
    this.pollingIntervalSeconds = options.pollingIntervalSeconds ?? 1;
    this.boss = new PgBoss({
      connectionString: options.databaseUrl,
      schema: options.schema ?? 'pgboss',
      application_name: 'linescope-queue',
      max: 4,
      // Only the connection wait is bounded on the queue's own pool: pg-boss's schema migrations and maintenance
      // may legitimately run long. A send on the request path is bounded in `send` instead.
      ...(options.timeouts ? { connectionTimeoutMillis: options.timeouts.connectMs } : {}),
      archiveFailedAfterSeconds: options.keepFailedForSeconds ?? 14 * 24 * 3600,
      // pg-boss hands its options to pg's Pool, whose onConnect hook runs before a new connection is used.
      ...(options.verifyConnection ? ({ onConnect: options.verifyConnection } as object) : {}),
    });
    this.boss.on('error', (error) => (options.onError ?? (() => undefined))(error));
  }

  /** Installs or migrates the queue schema and creates one queue per job kind. */
  async start(): Promise<void> {
    if (this.started) return;
    // Several instances starting at once deadlock inside pg-boss's schema and queue creation: take turns.
    const lock = new Client({ connectionString: this.options.databaseUrl });
    await lock.connect();
    try {
      await this.options.verifyConnection?.(lock);
      await lock.query('SELECT pg_advisory_lock($1)', [QUEUE_SETUP_LOCK_ID]);
      await this.boss.start();
      for (const kind of ALL_JOB_KINDS) {
        await this.boss.createQueue(kind, {
          name: kind,
          policy: JOB_KINDS[kind].policy,
          ...JOB_KINDS[kind].retry,
        });
      }
    } finally {
      await lock.end();
    }
    this.started = true;
  }

  async send<K extends JobKind>(
    kind: K,
    payload: JobPayload<K>,
    options: SendOptions = {},
  ): Promise<string | null> {
    const data = parsePayload(kind, payload);
    const sent = this.boss.send(kind, data, {
      ...JOB_KINDS[kind].retry,
      singletonKey: options.singletonKey,
      ...(options.id ? { id: options.id } : {}),
      startAfter: options.startAfter,
      db: options.db,
    });
    // Inside a transaction the transaction's own connection bounds it; on the queue's pool, this does.
    const timeouts = this.options.timeouts;
    if (options.db || !timeouts) return sent;
    return boundedBy(sent, timeouts.connectMs + timeouts.statementMs, `sending a ${kind} job`);
  }

  /** Sends a job of this kind on a cron schedule (pg-boss keeps one schedule per kind, across instances). */
  async schedule<K extends JobKind>(kind: K, cron: string, payload: JobPayload<K>): Promise<void> {
    await this.boss.schedule(kind, cron, parsePayload(kind, payload), { ...JOB_KINDS[kind].retry });
  }

  /**
   * Starts workers for every kind the role owns. Refuses (throws) when a kind has no handler,
   * so a deployment can never leave a queue without a consumer.
   */
  async work<R extends WorkerRole>(
    role: R,
    handlers: JobHandlerMap<R>,
    concurrency: Partial<Record<JobKind, number>> = {},
  ): Promise<void> {
    assertHandlersComplete(role, handlers);
    for (const kind of jobKindsFor(role)) {
      const handler = (handlers as unknown as Record<JobKind, JobHandler<JobKind>>)[kind];
      const workers = concurrency[kind] ?? 1;
      for (let i = 0; i < workers; i++) {
        await this.boss.work<unknown>(
          kind,
          { batchSize: 1, pollingIntervalSeconds: this.pollingIntervalSeconds, includeMetadata: true },
          async ([job]) => this.run(kind, handler, job),
        );
      }
      const limit = this.options.backlogLimits?.[kind];
      if (limit !== undefined) this.trimPeriodically(kind, limit);
    }
  }

  /**
   * Deletes the oldest waiting jobs of a kind beyond `keep` (jobs already active, retrying or done are left alone).
   * Returns how many were dropped.
   */
  async trimBacklog(kind: JobKind, keep: number): Promise<number> {
    const rows = await this.query<{ id: string }>(
      `DELETE FROM ${this.schema}.job WHERE name = $1 AND state = 'created' AND id IN (
         SELECT id FROM ${this.schema}.job WHERE name = $1 AND state = 'created'
         ORDER BY created_on DESC, id DESC OFFSET $2
       ) RETURNING id`,
      [kind, keep],
    );
    return rows.length;
  }

  private trimPeriodically(kind: JobKind, keep: number): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.trimBacklog(kind, keep)
        .then((dropped) => {
          if (dropped) this.options.log?.('stale jobs dropped', { kind, dropped, keep });
        })
        .catch((error: unknown) => this.options.onError?.(error as Error))
        .finally(() => (running = false));
    }, BACKLOG_TRIM_EVERY_MS);
    timer.unref();
    this.trimTimers.push(timer);
  }

  private async run(kind: JobKind, handler: JobHandler<JobKind>, job: PgBoss.JobWithMetadata<unknown>) {
    const payload = parsePayload(kind, job.data);
    const context: JobContext = { jobId: job.id, retryCount: job.retryCount };
    const started = Date.now();
    try {
      const outcome = await handler(payload, context);
      this.options.log?.('job finished', { kind, jobId: job.id, ms: Date.now() - started, ...outcome });
      return outcome;
    } catch (error) {
      this.options.log?.('job failed', {
        kind,
        jobId: job.id,
        retryCount: job.retryCount,
        error: error instanceof Error ? error.message : String(error),
      });
      throw error;
    }
  }

  async getJob(kind: JobKind, id: string): Promise<JobRecord | null> {
    const job = await this.boss.getJobById<unknown>(kind, id, { includeArchive: true });
    if (!job) return null;
    return {
      id: job.id,
      kind,
      state: job.state,
      retryCount: job.retryCount,
      payload: job.data,
      output: (job as unknown as { output?: unknown }).output ?? null,
    };
  }

  /** Jobs of a kind by state, e.g. the failed ones an operator should look at. */
  async countJobs(kind: JobKind, state: JobState): Promise<number> {
    const rows = await this.query<{ count: string }>(
      `SELECT count(*)::text AS count FROM ${this.schema}.job WHERE name = $1 AND state = $2`,
      [kind, state],
    );
    return Number(rows[0]?.count ?? 0);
  }

  /**
   * Of `values`, those that no job of `kind` (in any state: waiting, running, done or failed) carries in its
   * payload's `field`: work that was never queued (its process died, or the queue was unreachable, between
   * committing a row and queueing the job). Archived jobs (completed more than a day ago) are not looked at.
   */
  async withoutJob(kind: JobKind, field: string, values: string[]): Promise<string[]> {
    if (values.length === 0) return [];
    const rows = await this.query<{ value: string }>(
      `SELECT v.value FROM unnest($2::text[]) AS v(value)
        LEFT JOIN (SELECT DISTINCT data ->> $3 AS value FROM ${this.schema}.job WHERE name = $1) queued USING (value)
        WHERE queued.value IS NULL`,
      [kind, values, field],
    );
    return rows.map((row) => row.value);
  }

  /** Cheap check for readiness probes. */
  async ping(): Promise<void> {
    await this.query('SELECT 1 FROM ' + this.schema + '.version LIMIT 1', []);
  }

  /** Waits for in-flight handlers (up to `timeoutMs`), then stops polling and closes connections. */
  async stop(timeoutMs = 30_000): Promise<void> {
    for (const timer of this.trimTimers.splice(0)) clearInterval(timer);
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }

  private get schema(): string {
    return this.options.schema ?? 'pgboss';
  }

  private async query<T>(text: string, values: unknown[]): Promise<T[]> {
    const db = (this.boss as unknown as { getDb(): PgBoss.Db }).getDb();
    const result = await db.executeSql(text, values as never[]);
    return result.rows as T[];
  }
}

/** Rejects like pg's own read timeout (so callers see the database as unavailable) when `work` takes too long. */
function boundedBy<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Query read timeout: ${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
