import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { TrainingJobRepository } from '@linescope/db';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG, LOGGER } from '@linescope/platform';
import { JobQueue } from '@linescope/queue';
import { type Logger } from 'pino';

/**
 * Every trainer looks for running jobs whose worker went silent (killed, machine lost) and queues them again;
 * whoever picks the job up resumes it from its last checkpoint.
 */
@Injectable()
export class StaleJobMonitor implements OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly jobs: TrainingJobRepository,
    private readonly queue: JobQueue,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Scans three times per silence period, so a dead worker's job waits at most about 1.3 periods. */
  start(): void {
    this.timer = setInterval(() => void this.scan(), (this.config.trainer.silentAfterSeconds * 1000) / 3);
  }

  async scan(): Promise<string[]> {
    try {
      const released = await this.jobs.releaseSilent(this.config.trainer.silentAfterSeconds);
      for (const trainingJobId of released) await this.queue.send('train-model', { trainingJobId });
      if (released.length) this.logger.warn({ released }, 'silent training jobs queued again');
      return released;
    } catch (error) {
      this.logger.error({ err: error }, 'stale job scan failed');
      return [];
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
