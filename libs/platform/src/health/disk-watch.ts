import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { type Logger } from 'pino';
import { APP_CONFIG, LOGGER } from '../infrastructure/tokens';

export interface DiskUsage {
  /** The folder measured: the data folder, or its nearest existing parent. */
  path: string;
  totalBytes: number;
  freeBytes: number;
  usedRatio: number;
  warnRatio: number;
  /** Set when the disk is fuller than DISK_WARN_RATIO. */
  warning?: string;
}

const EVERY_MS = 60_000;
/** While the disk stays too full, the warning is logged again this often. */
const REPEAT_WARNING_MS = 10 * 60_000;

/** Free and used space of the disk (filesystem) holding `dir` (or its nearest existing parent). */
export async function diskUsageOf(
  dir: string,
): Promise<{ path: string; totalBytes: number; freeBytes: number }> {
  let current = path.resolve(dir);
  for (;;) {
    try {
      const stats = await statfs(current);
      return { path: current, totalBytes: stats.blocks * stats.bsize, freeBytes: stats.bavail * stats.bsize };
    } catch (error) {
      const parent = path.dirname(current);
      if (parent === current) throw error;
      current = parent;
    }
  }
}

/** Watches the data folder's disk: a warning in the logs and the health details past DISK_WARN_RATIO. */
@Injectable()
export class DiskWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private warnedAt = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    void this.check().catch(() => undefined);
    this.timer = setInterval(() => void this.check().catch(() => undefined), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async check(): Promise<DiskUsage> {
    const disk = await diskUsageOf(this.config.dataDir);
    const usedRatio = disk.totalBytes > 0 ? 1 - disk.freeBytes / disk.totalBytes : 0;
    const usage: DiskUsage = { ...disk, usedRatio, warnRatio: this.config.diskWarnRatio };
    if (usedRatio > this.config.diskWarnRatio) {
      usage.warning = `the data folder's disk is ${Math.round(usedRatio * 100)}% full (warning past ${Math.round(
        this.config.diskWarnRatio * 100,
      )}%): ${disk.freeBytes} bytes free`;
      if (Date.now() - this.warnedAt >= REPEAT_WARNING_MS) {
        this.warnedAt = Date.now();
        this.logger.warn({ disk: usage }, 'disk almost full');
      }
    } else if (this.warnedAt) {
      this.warnedAt = 0;
      this.logger.info({ disk: usage }, 'disk below its warning level again');
    }
    return usage;
  }
}
