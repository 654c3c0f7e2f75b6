import { Injectable } from '@nestjs/common';
import { type AuditPageDto, type AuditQueryDto } from '../dtos/audit.dto';
import { decodeCursor, encodeCursor } from '../dtos/cursor';
import { ApiError } from '../errors/api-error';
import { AuditLogRepository } from '../repositories/audit-log.repository';

const DEFAULT_PAGE = 50;

/** The audit log as administrators read it: filtered, newest first, a page at a time. */
@Injectable()
export class AuditLogService {
  constructor(private readonly log: AuditLogRepository) {}

  async list(query: AuditQueryDto): Promise<AuditPageDto> {
    if (query.from && query.to && new Date(query.from) >= new Date(query.to))
      throw new ApiError(400, 'invalid_range', 'from must be before to');
    const limit = query.limit ?? DEFAULT_PAGE;
    const cursor = query.cursor ? decodeCursor(query.cursor, 'serial') : undefined;
    const rows = await this.log.list(
      {
        actorId: query.actorId,
        action: query.action,
        targetType: query.targetType,
        targetId: query.targetId,
        from: query.from,
        to: query.to,
        beforeId: cursor?.id,
      },
      limit + 1,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
      nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }
}
