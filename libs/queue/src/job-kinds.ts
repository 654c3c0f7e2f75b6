import { z } from 'zod';

/** Which deployable app works a kind of job. */
export type WorkerRole = 'api' | 'inference' | 'trainer';

const uuid = z.string().uuid();

/**
 * Every kind of background job, its payload and its retry policy, in one table.
 * Payloads are strict objects of ids: a job never carries image bytes or other large data,
 * and a handler re-reads the rows it names.
 */
export const JOB_KINDS = {
  'score-inspection': {
    policy: 'standard',
    role: 'inference',
    payload: z.object({ inspectionId: uuid }).strict(),
    retry: { retryLimit: 5, retryDelay: 2, retryBackoff: true, expireInSeconds: 120 },
  },
  'score-awaiting-model': {
    // Sent whenever an inference instance starts serving a model; 'short': one pass waits, however many ask.
    policy: 'short',
    role: 'inference',
    payload: z.object({}).strict(),
    retry: { retryLimit: 3, retryDelay: 10, retryBackoff: true, expireInSeconds: 600 },
  },
  'render-heatmap': {
    policy: 'standard',
    role: 'inference',
    payload: z.object({ inspectionId: uuid }).strict(),
    retry: { retryLimit: 3, retryDelay: 5, retryBackoff: true, expireInSeconds: 300 },
  },
  'train-model': {
    policy: 'standard',
    role: 'trainer',
    payload: z.object({ trainingJobId: uuid }).strict(),
    // A killed trainer's job expires and is retried; the handler resumes from its last checkpoint.
    retry: { retryLimit: 3, retryDelay: 30, retryBackoff: true, expireInSeconds: 12 * 3600 },
  },
  'evaluate-model': {
    policy: 'standard',
    role: 'trainer',
    payload: z.object({ modelVersionId: uuid, labelSetId: uuid.optional() }).strict(),
    retry: { retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 3600 },
  },
  'notify-webhook': {
    policy: 'standard',
    role: 'api',
    payload: z.object({ inspectionId: uuid }).strict(),
    // A receiver that is down for a while still gets the result: 8 tries over about an hour.
    retry: { retryLimit: 8, retryDelay: 15, retryBackoff: true, expireInSeconds: 60 },
  },
  'sweep-orphans': {
    // 'short': at most one sweep waits in the queue, however often it is requested.
    policy: 'short',
    role: 'api',
    payload: z.object({ olderThanSeconds: z.number().int().positive().optional() }).strict(),
    retry: { retryLimit: 1, retryDelay: 60, retryBackoff: false, expireInSeconds: 900 },
  },
  'apply-retention': {
    // 'short': at most one run waits, however often it is asked for; runs on many instances share the rows.
    policy: 'short',
    role: 'api',
    payload: z.object({ requestedBy: uuid.optional() }).strict(),
    retry: { retryLimit: 2, retryDelay: 300, retryBackoff: false, expireInSeconds: 6 * 3600 },
  },
  'maintain-partitions': {
    // Creates the inspections' day partitions ahead and drops those past the row retention; 'short' like the sweep.
    policy: 'short',
    role: 'api',
    payload: z.object({}).strict(),
    retry: { retryLimit: 2, retryDelay: 300, retryBackoff: false, expireInSeconds: 3600 },
  },
} as const satisfies Record<
  string,
  {
    policy: 'standard' | 'short';
    role: WorkerRole;
    payload: z.ZodTypeAny;
    retry: { retryLimit: number; retryDelay: number; retryBackoff: boolean; expireInSeconds: number };
  }
>;

export type JobKind = keyof typeof JOB_KINDS;
export type JobPayload<K extends JobKind> = z.infer<(typeof JOB_KINDS)[K]['payload']>;

export const ALL_JOB_KINDS = Object.keys(JOB_KINDS) as JobKind[];

/** The kinds a role must be able to work. */
export type JobKindsOf<R extends WorkerRole> = {
  [K in JobKind]: (typeof JOB_KINDS)[K]['role'] extends R ? K : never;
}[JobKind];

export function jobKindsFor(role: WorkerRole): JobKind[] {
  return ALL_JOB_KINDS.filter((kind) => JOB_KINDS[kind].role === role);
}

export function parsePayload<K extends JobKind>(kind: K, payload: unknown): JobPayload<K> {
  const result = JOB_KINDS[kind].payload.safeParse(payload);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`)
      .join('; ');
    throw new InvalidJobPayloadError(kind, problems);
  }
  return result.data;
}

export class InvalidJobPayloadError extends Error {
  constructor(kind: JobKind, problems: string) {
    super(`invalid ${kind} payload: ${problems}`);
    this.name = 'InvalidJobPayloadError';
  }
}
