import { Injectable } from '@nestjs/common';
import { InspectionEntity } from '@linescope/db';
import { Brackets, DataSource } from 'typeorm';
import { type Principal } from '../auth/principals';
import { type InspectionPageDto, type InspectionQueryDto, mapInspection } from '../dtos/inspection.dto';
import { ApiError } from '../errors/api-error';

const DEFAULT_PAGE = 50;

/** Reads inspections: by id (a camera sees only its own) and filtered lists with keyset pagination. */
@Injectable()
export class InspectionQueryService {
  constructor(private readonly dataSource: DataSource) {}

  async get(id: string, principal: Principal): Promise<InspectionEntity> {
    const row = await this.dataSource.getRepository(InspectionEntity).findOneBy({ id });
    // A camera asking for another camera's inspection learns nothing about whether it exists.
    if (!row || (principal.kind === 'camera' && row.cameraId !== principal.cameraId))
      throw new ApiError(404, 'inspection_not_found', `no inspection ${id}`);
    return row;
  }

  async list(query: InspectionQueryDto): Promise<InspectionPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE;
    const qb = this.dataSource.getRepository(InspectionEntity).createQueryBuilder('i');
    if (query.lineId) qb.andWhere('i.line_id = :lineId', { lineId: query.lineId });
    if (query.cameraId) qb.andWhere('i.camera_id = :cameraId', { cameraId: query.cameraId });
    if (query.verdict) qb.andWhere('i.verdict = :verdict', { verdict: query.verdict });
    if (query.status) qb.andWhere('i.status = :status', { status: query.status });
    if (query.from) qb.andWhere('i.received_at >= :from', { from: query.from });
    if (query.to) qb.andWhere('i.received_at < :to', { to: query.to });
    if (query.modelVersionId)
      qb.andWhere('i.model_version_id = :modelVersionId', { modelVersionId: query.modelVersionId });
    if (query.reviewed !== undefined)
      qb.andWhere(query.reviewed === 'true' ? 'i.review_count > 0' : 'i.review_count = 0');
    // Spelled as the partial index inspections_needs_review is, so the planner uses it.
    if (query.needsReview === 'true')
      qb.andWhere(`i.review_count = 0 AND i.verdict IN ('uncertain', 'defect')`);
    if (query.needsReview === 'false')
      qb.andWhere(`(i.review_count > 0 OR i.verdict IS NULL OR i.verdict = 'ok')`);
    if (query.cursor) {
      const [receivedAt, id] = decodeCursor(query.cursor);
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('i.received_at < :cursorAt', { cursorAt: receivedAt })
            .orWhere('i.received_at = :cursorAt AND i.id < :cursorId', { cursorId: id }),
        ),
      );
    }
    const rows = await qb
      .orderBy('i.received_at', 'DESC')
      .addOrderBy('i.id', 'DESC')
      .take(limit + 1)
      .getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(mapInspection),
      nextCursor: rows.length > limit && last ? encodeCursor(last.receivedAt, last.id) : null,
    };
  }
}

function encodeCursor(receivedAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([receivedAt.toISOString(), id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string' &&
      /^[0-9a-f-]{36}$/.test(value[1])
    )
      return [value[0], value[1]];
  } catch {
    // fall through
  }
  throw new ApiError(400, 'invalid_cursor', 'the cursor is not one this API issued');
}
