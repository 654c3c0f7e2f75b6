import { type JobKind, type JobKindsOf, type JobPayload, type WorkerRole, jobKindsFor } from './job-kinds';

/**
 * What a handler reports. `skipped` means the job no longer applies (the row is gone or already done);
 * throwing means failure, and the queue retries with backoff until the kind's retry limit.
 */
export type JobOutcome =
  { status: 'done'; detail?: Record<string, unknown> } | { status: 'skipped'; reason: string };

export interface JobContext {
  jobId: string;
  /** 0 on the first attempt. */
  retryCount: number;
}

export type JobHandler<K extends JobKind> = (
  payload: JobPayload<K>,
  context: JobContext,
) => Promise<JobOutcome>;

/** Exactly the handlers a role owes: the compiler rejects a map that misses one. */
export type JobHandlerMap<R extends WorkerRole> = { [K in JobKindsOf<R>]: JobHandler<K> };

export class MissingJobHandlerError extends Error {
  constructor(role: WorkerRole, missing: JobKind[]) {
    super(`the ${role} app has no handler for job kind(s): ${missing.join(', ')}`);
    this.name = 'MissingJobHandlerError';
  }
}

/** Runtime twin of the compile-time check, for maps assembled dynamically. */
export function assertHandlersComplete(role: WorkerRole, handlers: Partial<Record<JobKind, unknown>>): void {
  const missing = jobKindsFor(role).filter((kind) => typeof handlers[kind] !== 'function');
  if (missing.length > 0) throw new MissingJobHandlerError(role, missing);
}
