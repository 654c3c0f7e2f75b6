import { Injectable } from '@nestjs/common';
import { type ActorType, AuditEventEntity } from '@linescope/db';
import { type EntityManager } from 'typeorm';

export interface AuditEntry {
  actorType: ActorType;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
}

/** Appends audit events, inside the caller's transaction so the event exists only if the change does. */
@Injectable()
export class AuditRepository {
  async append(manager: EntityManager, entry: AuditEntry): Promise<void> {
    await manager
      .getRepository(AuditEventEntity)
      .insert({ ...entry, details: (entry.details ?? {}) as AuditEventEntity['details'] & object });
  }
}
