import { type TrainingPhase, type TrainingProgress } from './training.hooks';

/** Where each phase sits in the job's 0-100 percent (training fills its span by steps). */
const PHASE_SPAN: Record<TrainingPhase, [number, number]> = {
  'loading-data': [0, 5],
  'checklist:initial-loss': [5, 6],
  'checklist:overfit': [6, 10],
  'checklist:lr-range': [10, 13],
  'checklist:candidates': [13, 15],
  training: [15, 95],
  evaluating: [95, 99],
  done: [100, 100],
};

/** The job's percent done for a progress report: the phase's span, filled by its steps when known. */
export function percentOf(progress: TrainingProgress): number {
  const [start, end] = PHASE_SPAN[progress.phase];
  let fraction = 0;
  if (progress.totalSteps && progress.globalStep !== undefined)
    fraction = progress.globalStep / progress.totalSteps;
  else if (progress.stepsPerEpoch && progress.step !== undefined)
    fraction = progress.step / progress.stepsPerEpoch;
  return Math.round((start + (end - start) * Math.min(1, Math.max(0, fraction))) * 10) / 10;
}

/**
 * Forwards progress at most every `intervalMs` (forced updates always pass), adds the elapsed time, the percent
 * done and the images per second, and estimates the time left from the measured time per step of this run.
 */
export class ProgressThrottle {
  private lastSent = Number.NEGATIVE_INFINITY;
  private startedAt: number;
  private readonly runStartedAt: number;
  private stepsDone = 0;
  private imagesDone = 0;

  constructor(
    private readonly send: ((progress: TrainingProgress) => void) | undefined,
    private readonly intervalMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.startedAt = now();
    this.runStartedAt = this.startedAt;
  }

  /** Starts timing a new phase: the estimate then uses only its steps. */
  restart(): void {
    this.startedAt = this.now();
    this.stepsDone = 0;
    this.imagesDone = 0;
  }

  /** Counts one finished step of the timed phase (of `images` images). */
  stepDone(images = 0): void {
    this.stepsDone++;
    this.imagesDone += images;
  }

  /** Seconds left for `remainingSteps` at this run's pace; undefined before the first step. */
  eta(remainingSteps: number): number | undefined {
    if (this.stepsDone === 0) return undefined;
    return (((this.now() - this.startedAt) / this.stepsDone) * Math.max(0, remainingSteps)) / 1000;
  }

  /** Images per second of the timed phase; undefined before the first step. */
  imagesPerSecond(): number | undefined {
    const seconds = (this.now() - this.startedAt) / 1000;
    if (this.imagesDone === 0 || seconds <= 0) return undefined;
    return Math.round((this.imagesDone / seconds) * 10) / 10;
  }

  report(progress: TrainingProgress, force = false): void {
    if (!this.send) return;
    const now = this.now();
    if (!force && now - this.lastSent < this.intervalMs) return;
    this.lastSent = now;
    const rate = progress.phase === 'training' ? this.imagesPerSecond() : undefined;
    this.send({
      ...progress,
      ...(rate === undefined ? {} : { imagesPerSecond: rate }),
      percent: percentOf(progress),
      elapsedSeconds: Math.round((now - this.runStartedAt) / 100) / 10,
    });
  }
}
