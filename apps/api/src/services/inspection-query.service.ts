import { Injectable } from '@nestjs/common';
import { type InspectionEntity, InspectionRepository } from '@linescope/db';
import { type Principal } from '../auth/principals';
import { type InspectionPageDto, type InspectionQueryDto, mapInspection } from '../dtos/inspection.dto';
import { decodeCursor, encodeCursor } from '../dtos/cursor';
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

  /** A camera lists only its own inspections; asking for another camera's is refused. */
  async list(query: InspectionQueryDto, principal: Principal): Promise<InspectionPageDto> {
    if (principal.kind === 'camera' && query.cameraId !== undefined && query.cameraId !== principal.cameraId)
      throw new ApiError(403, 'forbidden', 'a camera reads only its own inspections');
    const cameraId = principal.kind === 'camera' ? principal.cameraId : query.cameraId;
    const limit = query.limit ?? DEFAULT_PAGE;
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.inspections.list(
      {
        lineId: query.lineId,
        cameraId,
        verdict: query.verdict,
        status: query.status,
        from: query.from,
        to: query.to,
        modelVersionId: query.modelVersionId,
        reviewed: query.reviewed === undefined ? undefined : query.reviewed === 'true',
        needsReview: query.needsReview === 'true' ? true : query.needsReview === 'false' ? false : undefined,
        after: cursor,
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
