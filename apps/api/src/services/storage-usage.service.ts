import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG, DiskWatch, Metrics } from '@linescope/platform';
import { Gauge } from 'prom-client';
import { type StorageDto } from '../dtos/storage.dto';
import { StorageUsageRepository } from '../repositories/storage-usage.repository';

/** Growth is averaged over this many days ("today's rate" without one busy hour swinging it). */
export const GROWTH_WINDOW_DAYS = 3;
/** The per-line figures scan the inspections table: /metrics reuses them for this long. */
const CACHE_MS = 60_000;

/** Storage and row counts per line, the data folder's disk, and when the store is full at today's rate. */
@Injectable()
export class StorageUsageService {
  private cached: { at: number; value: Promise<StorageDto> } | null = null;

  constructor(
    private readonly usage: StorageUsageRepository,
    private readonly disk: DiskWatch,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: Metrics,
  ) {
    const report = () => this.report(true);
    const lineFigure = (name: string, help: string, pick: (line: StorageDto['lines'][number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['line'],
        registers: [metrics.registry],
        collect: async function (this: Gauge<'line'>) {
          this.reset();
          for (const line of (await report()).lines) this.set({ line: line.name }, pick(line));
        },
      });
    lineFigure('linescope_line_inspection_rows', 'Inspection rows per line', (line) => line.rows);
    lineFigure(
      'linescope_line_images_stored',
      'Inspections per line whose image is stored',
      (l) => l.imagesStored,
    );
    lineFigure('linescope_line_image_bytes', 'Stored image bytes per line', (line) => line.imageBytes);
    lineFigure(
      'linescope_line_image_bytes_per_day',
      'Image bytes received per day, per line',
      (l) => l.bytesPerDay,
    );
    new Gauge({
      name: 'linescope_data_disk_used_ratio',
      help: "Used share of the data folder's disk",
      registers: [metrics.registry],
      collect: async function (this: Gauge) {
        this.set((await report()).disk.usedRatio);
      },
    });
  }

  /** Fresh unless `cached` (the metrics scrape), then at most CACHE_MS old. */
  report(cached = false): Promise<StorageDto> {
    if (cached && this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.value;
    const value = this.compute();
    this.cached = { at: Date.now(), value };
    value.catch(() => (this.cached = null));
    return value;
  }

  private async compute(): Promise<StorageDto> {
    const [lines, disk] = await Promise.all([this.usage.perLine(GROWTH_WINDOW_DAYS), this.disk.check()]);
    const bytesPerDay = lines.reduce((sum, line) => sum + line.bytesPerDay, 0);
    const onDisk = this.config.storage.driver === 'fs';
    return {
      driver: this.config.storage.driver,
      lines,
      totals: {
        rows: lines.reduce((sum, line) => sum + line.rows, 0),
        imagesStored: lines.reduce((sum, line) => sum + line.imagesStored, 0),
        imageBytes: lines.reduce((sum, line) => sum + line.imageBytes, 0),
        bytesPerDay,
      },
      disk,
      projection: !onDisk
        ? { daysUntilFull: null, basis: 'the bucket reports no capacity: watch its own quota' }
        : bytesPerDay === 0
          ? { daysUntilFull: null, basis: `no images received in the last ${GROWTH_WINDOW_DAYS} days` }
          : {
              daysUntilFull: Math.floor(disk.freeBytes / bytesPerDay),
              basis: `free space of the data folder's disk over the image bytes received per day in the last ${GROWTH_WINDOW_DAYS} days`,
            },
    };
  }
}
