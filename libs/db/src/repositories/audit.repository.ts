import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditEventEntity } from '../entities/audit-event.entity';
import { type ActorType } from '../entities/enums';

export interface AuditEntry {
  actorType: ActorType;
  actorId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
}

/** Appends audit events; bound to a transaction (`tx.get(AuditRepository)`) the event exists only if the change does. */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: EntityManager) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.db
      .getRepository(AuditEventEntity)
      .insert({ ...entry, details: (entry.details ?? {}) as AuditEventEntity['details'] & object });
  }
}
