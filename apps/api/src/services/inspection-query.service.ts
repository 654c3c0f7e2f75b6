import { Injectable } from '@nestjs/common';
import { type InspectionEntity, InspectionRepository } from '@linescope/db';
import { type Principal } from '../auth/principals';
import { type InspectionPageDto, type InspectionQueryDto, mapInspection } from '../dtos/inspection.dto';
import { ApiError } from '../errors/api-error';

const DEFAULT_PAGE = 50;

/** Reads inspections: by id (a camera sees only its own) and filtered lists with keyset pagination. */
@Injectable()
export class InspectionQueryService {
  constructor(private readonly inspections: InspectionRepository) {}

  async get(id: string, principal: Principal): Promise<InspectionEntity> {
    const row = await this.inspections.findById(id);
    // A camera asking for another camera's inspection learns nothing about whether it exists.
    if (!row || (principal.kind === 'camera' && row.cameraId !== principal.cameraId))
      throw new ApiError(404, 'inspection_not_found', `no inspection ${id}`);
    return row;
  }

  async list(query: InspectionQueryDto): Promise<InspectionPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE;
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.inspections.list(
      {
        lineId: query.lineId,
        cameraId: query.cameraId,
        verdict: query.verdict,
        status: query.status,
        from: query.from,
        to: query.to,
        modelVersionId: query.modelVersionId,
        reviewed: query.reviewed === undefined ? undefined : query.reviewed === 'true',
        needsReview: query.needsReview === 'true' ? true : query.needsReview === 'false' ? false : undefined,
        after: cursor && { receivedAt: cursor[0], id: cursor[1] },
      },
      limit + 1,
    );
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
