import { type LineSettings } from '../repositories/serving-set.repository';

/** Reads one line's settings from the database; null when there is no such line. */
export type LineSettingsQuery = (lineId: string) => Promise<LineSettings | null>;

export interface LineSettingsCacheOptions {
  lookup: LineSettingsQuery;
  /** True while change notifications are heard; while they are not, every lookup reads the database. */
  listening: () => boolean;
  /** How many ids of lines that do not exist are remembered; the least recently asked is forgotten first. */
  maxUnknownLines?: number;
}

export const DEFAULT_MAX_UNKNOWN_LINES = 1_000;

/**
 * The scoring settings of production lines, so that scoring an image costs no query. A line is read once and
 * kept until `clear()`, which the runtime calls on every change notification, poll and reconnection of the
 * listener: a change is seen on the next lookup once it is announced, and within a poll interval if it is not.
 * Known lines are as many as the table holds; unknown ids are bounded, since anyone may send them.
 */
export class LineSettingsCache {
  /** Known lines, and lookups still in flight; a failed one is removed so the next lookup asks again. */
  private readonly lines = new Map<string, Promise<LineSettings | null>>();
  /** Ids of lines that do not exist, least recently asked first. */
  private readonly unknown = new Set<string>();
  private readonly maxUnknownLines: number;

  constructor(private readonly options: LineSettingsCacheOptions) {
    this.maxUnknownLines = options.maxUnknownLines ?? DEFAULT_MAX_UNKNOWN_LINES;
  }

  async get(lineId: string): Promise<LineSettings | null> {
    if (!this.options.listening()) {
      // Notifications sent while the listener is down are lost: nothing held or read now can be trusted later.
      this.clear();
      return this.options.lookup(lineId);
    }
    if (this.unknown.delete(lineId)) {
      this.unknown.add(lineId);
      return null;
    }
    const cached = this.lines.get(lineId);
    if (cached !== undefined) return cached;
    const lookup = this.read(lineId);
    this.lines.set(lineId, lookup);
    // Only if still current: a clear() while the query ran means it may have read settings since changed.
    const current = () => this.lines.get(lineId) === lookup;
    lookup.then(
      (settings) => {
        if (settings !== null || !current()) return;
        this.lines.delete(lineId);
        this.rememberUnknown(lineId);
      },
      () => {
        if (current()) this.lines.delete(lineId);
      },
    );
    return lookup;
  }

  /** Forgets every line: the next lookup of each reads the database. */
  clear(): void {
    this.lines.clear();
    this.unknown.clear();
  }

  /** Lines held (known, or being looked up) and unknown ids remembered. */
  size(): { lines: number; unknown: number } {
    return { lines: this.lines.size, unknown: this.unknown.size };
  }

  private async read(lineId: string): Promise<LineSettings | null> {
    const settings = await this.options.lookup(lineId);
    // One object is shared by every request of the line.
    return settings === null ? null : Object.freeze(settings);
  }

  private rememberUnknown(lineId: string): void {
    this.unknown.add(lineId);
    if (this.unknown.size <= this.maxUnknownLines) return;
    const oldest = this.unknown.values().next();
    if (oldest.done !== true) this.unknown.delete(oldest.value);
  }
}
