import { parseScheduleOptions, type ScheduleOptions } from './schedule.options';

/** Learning rate as a pure function of the optimisation step (0-based; fractional steps are allowed). */
export type Schedule = (step: number) => number;

/** Builds the schedule described by `options` (validated first; throws a ZodError when invalid). */
export function createSchedule(options: ScheduleOptions): Schedule {
  const valid = parseScheduleOptions(options);
  const afterWarmup = decayFor(valid);
  const warmup = valid.warmup;
  return (step: number) => {
    if (!Number.isFinite(step) || step < 0)
      throw new RangeError(`step must be a finite number >= 0, got ${step}`);
    if (warmup && step < warmup.steps) {
      return warmup.startLr + (valid.lr - warmup.startLr) * (step / warmup.steps);
    }
    return afterWarmup(step);
  };
}

/** The schedule's shape after warm-up; decaying shapes start their decay at the end of warm-up. */
function decayFor(options: ScheduleOptions): Schedule {
  const warmupSteps = options.warmup?.steps ?? 0;
  switch (options.kind) {
    case 'constant':
      return () => options.lr;
    case 'step': {
      const { every, milestones, gamma, lr } = options;
      if (every !== undefined) return (step) => lr * gamma ** Math.floor(step / every);
      const points = milestones ?? [];
      return (step) => lr * gamma ** points.filter((m) => m <= step).length;
    }
    case 'cosine': {
      const minLr = options.minLr ?? 0;
      return (step) => {
        const progress = decayProgress(step, warmupSteps, options.totalSteps);
        return minLr + (options.lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
      };
    }
    case 'linear':
      return (step) =>
        options.lr + (options.endLr - options.lr) * decayProgress(step, warmupSteps, options.totalSteps);
  }
}

function decayProgress(step: number, start: number, end: number): number {
  return Math.min(1, Math.max(0, (step - start) / (end - start)));
}

/** The rate at steps 0..count-1, e.g. to plot a schedule before training. */
export function sampleSchedule(schedule: Schedule, count: number): { step: number; lr: number }[] {
  return Array.from({ length: count }, (_, step) => ({ step, lr: schedule(step) }));
}
