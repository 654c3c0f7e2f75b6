import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export const EVENT_TYPES = ['inspection', 'heatmap', 'review', 'training', 'model'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export type EventAudience = 'all' | 'training';

/** A row of the event log (written by the triggers of migration 1764730800000). */
export interface StoredEvent {
  /** bigint, as a string. */
  id: string;
  type: EventType;
  audience: EventAudience;
  data: Record<string, unknown>;
}

/** Channel the triggers notify on, with the whole event as payload. */
export const EVENTS_CHANNEL = 'linescope_events';
const REPLAY_LIMIT = 10_000;

/** The stored event log: replay after a Last-Event-ID, and pruning. */
@Injectable()
export class EventRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Events after `id`, oldest first (at most 10,000: a client further behind reloads instead). */
  async after(id: string): Promise<StoredEvent[]> {
    const rows: { id: string; type: EventType; audience: EventAudience; data: Record<string, unknown> }[] =
      await this.dataSource.query(
        `SELECT id::text AS id, type, audience, data FROM events WHERE id > $1 ORDER BY id LIMIT $2`,
        [id, REPLAY_LIMIT],
      );
    return rows;
  }

  /** The newest id, so a listener that reconnects knows from where to catch up. */
  async latestId(): Promise<string> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT coalesce(max(id), 0)::text AS id FROM events`,
    );
    return rows[0].id;
  }

  async prune(keepSeconds: number): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM events WHERE created_at < now() - $1 * interval '1 second' RETURNING 1`,
      [keepSeconds],
    );
    return rows.length;
  }
}

export function parseNotification(payload: string | undefined): StoredEvent | null {
  if (!payload) return null;
  try {
    const value = JSON.parse(payload) as Partial<StoredEvent>;
    if (typeof value.id !== 'string' || typeof value.type !== 'string' || typeof value.data !== 'object')
      return null;
    return {
      id: value.id,
      type: value.type,
      audience: value.audience === 'training' ? 'training' : 'all',
      data: value.data ?? {},
    };
  } catch {
    return null;
  }
}
