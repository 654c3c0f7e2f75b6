import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { LOGGER } from '@linescope/platform';
import { type Logger } from 'pino';
import { EventRepository } from '../repositories/event.repository';
import { LoginFailureRepository } from '../repositories/login-failure.repository';
import { SessionRepository } from '../repositories/session.repository';

const EVERY_MS = 10 * 60_000;
/** Replay promises at least one hour; two leave a margin for a client that was away a while. */
export const EVENT_RETENTION_SECONDS = 2 * 3600;
const LOGIN_FAILURE_RETENTION_SECONDS = 24 * 3600;

/** Prunes the console's short-lived rows: the event log, ended sessions, old failed sign-ins. */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly events: EventRepository,
    private readonly sessions: SessionRepository,
    private readonly failures: LoginFailureRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.run(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async run(): Promise<void> {
    try {
      await this.events.prune(EVENT_RETENTION_SECONDS);
      await this.sessions.prune();
      await this.failures.prune(LOGIN_FAILURE_RETENTION_SECONDS);
    } catch (error) {
      this.logger.warn({ err: error }, 'console housekeeping failed; retried in 10 minutes');
    }
  }
}
