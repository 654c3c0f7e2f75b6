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

  append(entry: AuditEntry): Promise<void>;
  /** Services not yet on `DatabaseTransactions` pass their transaction's manager (moved by the console work). */
  append(manager: EntityManager, entry: AuditEntry): Promise<void>;
  async append(first: AuditEntry | EntityManager, second?: AuditEntry): Promise<void> {
    const [manager, entry] = first instanceof EntityManager ? [first, second!] : [this.db, first];
    await manager
      .getRepository(AuditEventEntity)
      .insert({ ...entry, details: (entry.details ?? {}) as AuditEventEntity['details'] & object });
  }
}
