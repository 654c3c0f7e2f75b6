import { Inject, Injectable } from '@nestjs/common';

export type DependencyCheck = () => Promise<void>;
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

export interface ReadinessReport {
  status: 'ready' | 'unavailable';
  checks: Record<string, { status: 'up' | 'down'; ms: number; error?: string }>;
}

/** Runs every dependency check in parallel, each bounded by a timeout. */
@Injectable()
export class HealthService {
  private readonly timeoutMs = 2_000;

  constructor(@Inject(READINESS_CHECKS) private readonly checks: Record<string, DependencyCheck>) {}

  async readiness(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      Object.entries(this.checks).map(async ([name, check]) => [name, await this.run(check)] as const),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, result]) => result.status === 'up');
    return { status: ready ? 'ready' : 'unavailable', checks };
  }

  private async run(check: DependencyCheck): Promise<ReadinessReport['checks'][string]> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        check(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        }),
      ]);
      return { status: 'up', ms: Date.now() - started };
    } catch (error) {
      return {
        status: 'down',
        ms: Date.now() - started,
        error: error instanceof Error ? error.message : String(error),
      };
    } finally {
      clearTimeout(timer);
    }
  }
}
