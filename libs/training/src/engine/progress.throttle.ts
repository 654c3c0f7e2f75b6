import { type TrainingProgress } from './training.hooks';

/**
 * Forwards progress at most every `intervalMs` (forced updates always pass) and estimates the time left from
 * the measured time per step of this run.
 */
export class ProgressThrottle {
  private lastSent = Number.NEGATIVE_INFINITY;
  private startedAt: number;
  private stepsDone = 0;

  constructor(
    private readonly send: ((progress: TrainingProgress) => void) | undefined,
    private readonly intervalMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.startedAt = now();
  }

  /** Starts timing a new phase: the estimate then uses only its steps. */
  restart(): void {
    this.startedAt = this.now();
    this.stepsDone = 0;
  }

  /** Counts one finished step of the timed phase. */
  stepDone(): void {
    this.stepsDone++;
  }

  /** Seconds left for `remainingSteps` at this run's pace; undefined before the first step. */
  eta(remainingSteps: number): number | undefined {
    if (this.stepsDone === 0) return undefined;
    return (((this.now() - this.startedAt) / this.stepsDone) * Math.max(0, remainingSteps)) / 1000;
  }

  report(progress: TrainingProgress, force = false): void {
    if (!this.send) return;
    const now = this.now();
    if (!force && now - this.lastSent < this.intervalMs) return;
    this.lastSent = now;
    this.send(progress);
  }
}
