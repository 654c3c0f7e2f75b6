import { Inject, Injectable } from '@nestjs/common';
import { type DiskUsage, DiskWatch } from './disk-watch';

export type DependencyCheck = () => Promise<void>;
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

export interface ReadinessReport {
  status: 'ready' | 'unavailable';
  checks: Record<string, { status: 'up' | 'down'; ms: number; error?: string }>;
  /** The data folder's disk; its `warning` does not make the process unready (uploads answer storage_full). */
  disk?: DiskUsage;
}

/** Runs every dependency check in parallel, each bounded by a timeout. */
@Injectable()
export class HealthService {
  private readonly timeoutMs = 2_000;

  constructor(
    @Inject(READINESS_CHECKS) private readonly checks: Record<string, DependencyCheck>,
    private readonly disk: DiskWatch,
  ) {}

  async readiness(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      Object.entries(this.checks).map(async ([name, check]) => [name, await this.run(check)] as const),
    );
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, result]) => result.status === 'up');
    const disk = await this.disk.check().catch(() => undefined);
    return { status: ready ? 'ready' : 'unavailable', checks, ...(disk ? { disk } : {}) };
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
