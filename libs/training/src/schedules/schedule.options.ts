import { z } from 'zod';

/** Linear warm-up from `startLr` to the schedule's `lr`, reached exactly at step `steps`. */
export const warmupSchema = z
  .object({
    steps: z.number().int().nonnegative().describe('Warm-up steps'),
    startLr: z.number().nonnegative().describe('Rate at step 0'),
  })
  .strict();

const common = {
  /** Peak learning rate: reached at the end of warm-up (or at step 0 without warm-up). */
  lr: z.number().positive(),
  warmup: warmupSchema.optional(),
};

const constantSchema = z.object({ kind: z.literal('constant'), ...common }).strict();

/**
 * Multiplies the rate by `gamma` at every multiple of `every`, or at each of `milestones`.
 * Both count from step 0 (the start of training, warm-up included) and must come after the warm-up,
 * so the peak `lr` is always reached.
 */
const stepSchema = z
  .object({
    kind: z.literal('step'),
    ...common,
    gamma: z.number().positive(),
    every: z.number().int().positive().optional(),
    milestones: z.array(z.number().int().positive()).nonempty().optional(),
  })
  .strict();

/** Cosine decay from `lr` (at the end of warm-up) to `minLr` (default 0) at `totalSteps`, then held. */
const cosineSchema = z
  .object({
    kind: z.literal('cosine'),
    ...common,
    totalSteps: z.number().int().positive(),
    minLr: z.number().nonnegative().optional(),
  })
  .strict();

/** Linear decay from `lr` (at the end of warm-up) to `endLr` at `totalSteps`, then held. */
const linearSchema = z
  .object({
    kind: z.literal('linear'),
    ...common,
    totalSteps: z.number().int().positive(),
    endLr: z.number().nonnegative(),
  })
  .strict();

export const scheduleOptionsSchema = z
  .discriminatedUnion('kind', [constantSchema, stepSchema, cosineSchema, linearSchema])
  .superRefine((options, ctx) => {
    const warmupSteps = options.warmup?.steps ?? 0;
    const issue = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
    switch (options.kind) {
      case 'constant':
        return;
      case 'step': {
        if ((options.every === undefined) === (options.milestones === undefined)) {
          issue('step schedule needs exactly one of "every" or "milestones"');
        }
        if (options.every !== undefined && options.every <= warmupSteps) {
          issue('step schedule: "every" must be longer than the warm-up');
        }
        const milestones: number[] = options.milestones ?? [];
        if (milestones.some((m, i) => i > 0 && m <= milestones[i - 1])) {
          issue('step schedule: milestones must be strictly increasing');
        }
        if (milestones.length > 0 && milestones[0] <= warmupSteps) {
          issue('step schedule: milestones must come after the warm-up');
        }
        return;
      }
      case 'cosine':
      case 'linear': {
        if (options.totalSteps <= warmupSteps)
          issue(`${options.kind} schedule: totalSteps must exceed warm-up steps`);
        if (options.kind === 'cosine' && (options.minLr ?? 0) > options.lr) {
          issue('cosine schedule: minLr must not exceed lr');
        }
        return;
      }
    }
  });

/** Plain-JSON description of a learning-rate schedule, as stored in a training config. */
export type ScheduleOptions = z.infer<typeof scheduleOptionsSchema>;
export type WarmupOptions = z.infer<typeof warmupSchema>;

/** Validates untrusted JSON (e.g. a stored config) into ScheduleOptions; throws a ZodError listing every problem. */
export function parseScheduleOptions(json: unknown): ScheduleOptions {
  return scheduleOptionsSchema.parse(json);
}
