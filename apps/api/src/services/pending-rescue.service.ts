import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InspectionRepository } from '@linescope/db';
import { LOGGER } from '@linescope/platform';
import { JobQueue } from '@linescope/queue';
import { type Logger } from 'pino';

const EVERY_MS = 15_000;
/** Past its line's deadline by this long, no request is still answering an upload: it should have a job. */
const GRACE_SECONDS = 30;
const BATCH = 1000;

/**
 * Queues the scoring of uploads left `pending` with no scoring job: an API process killed (SIGKILL, out of memory)
 * between committing the row and answering it, or a database that went away between the commit and the enqueue.
 * At start it takes every such row received before this instance started; then, every 15 s, those past their line's
 * deadline by 30 s. Only rows of the last hour and never queued (no job in any state) are looked at; older ones and
 * failed jobs are the hourly stale sweep's. Another instance doing the same at once may queue a second job, which
 * finds the row scored. Looking into the queue reads the score-inspection jobs pg-boss keeps (completed ones for
 * 12 hours); it happens only while such pending rows exist (an incident), not in normal operation.
 */
@Injectable()
export class PendingRescueService implements OnApplicationBootstrap, OnApplicationShutdown {
  /**
   * When this API instance was created: what was received before it cannot be waiting on one of its requests. (Not
   * the process's start: an app started in-process, as tests and embedders do, would then miss what came before.)
   */
  private readonly startedAt = new Date();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly inspections: InspectionRepository,
    private readonly queue: JobQueue,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const tick = () => {
      this.running ??= this.rescue()
        .catch((error: unknown) =>
          this.logger.warn({ err: error }, 'could not look for pending inspections without a scoring job'),
        )
        .finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Queues the rows described above; returns how many. */
  async rescue(): Promise<number> {
    const pending = await this.inspections.findPendingPastDeadline(this.startedAt, GRACE_SECONDS, BATCH);
    const ids = await this.queue.withoutJob('score-inspection', 'inspectionId', pending);
    for (const id of ids) await this.queue.send('score-inspection', { inspectionId: id });
    if (ids.length)
      this.logger.warn({ count: ids.length }, 'pending inspections without a scoring job queued again');
    return ids.length;
  }
}
