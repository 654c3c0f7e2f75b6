import { Injectable } from '@nestjs/common';
import { type ActorType } from '@linescope/db';
import { EntityManager } from 'typeorm';

export interface AuditFilter {
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
  /** Events strictly older than this id (the cursor's). */
  beforeId?: string;
}

export interface AuditRow {
  id: string;
  actorType: ActorType;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  createdAt: Date;
}

/** Reads the audit log, newest first by id (insertion order; the table is append-only). */
@Injectable()
export class AuditLogRepository {
  constructor(private readonly db: EntityManager) {}

  async list(filter: AuditFilter, limit: number): Promise<AuditRow[]> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      conditions.push(sql.replace('?', `$${values.length}`));
    };
    if (filter.actorId !== undefined) add('e.actor_id = ?', filter.actorId);
    if (filter.action !== undefined) add('e.action = ?', filter.action);
    if (filter.targetType !== undefined) add('e.target_type = ?', filter.targetType);
    if (filter.targetId !== undefined) add('e.target_id = ?', filter.targetId);
    if (filter.from !== undefined) add('e.created_at >= ?', filter.from);
    if (filter.to !== undefined) add('e.created_at < ?', filter.to);
    if (filter.beforeId !== undefined) add('e.id < ?::bigint', filter.beforeId);
    values.push(limit);
    const rows: {
      id: string;
      actor_type: ActorType;
      actor_id: string | null;
      actor_email: string | null;
      action: string;
      target_type: string | null;
      target_id: string | null;
      details: Record<string, unknown>;
      created_at: Date;
    }[] = await this.db.query(
      `SELECT e.id, e.actor_type, e.actor_id, u.email AS actor_email, e.action, e.target_type, e.target_id,
              e.details, e.created_at
         FROM audit_events e
         LEFT JOIN users u ON e.actor_type = 'user' AND u.id::text = e.actor_id
        ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY e.id DESC
        LIMIT $${values.length}`,
      values,
    );
    return rows.map((row) => ({
      id: String(row.id),
      actorType: row.actor_type,
      actorId: row.actor_id,
      actorEmail: row.actor_email,
      action: row.action,
      targetType: row.target_type,
      targetId: row.target_id,
      details: row.details,
      createdAt: row.created_at,
    }));
  }
}
