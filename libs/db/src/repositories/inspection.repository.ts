import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { type QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { InspectionEntity } from '../entities/inspection.entity';

@Injectable()
export class InspectionRepository {
  constructor(private readonly db: EntityManager) {}

  findById(id: string): Promise<InspectionEntity | null> {
    return this.db.getRepository(InspectionEntity).findOneBy({ id });
  }

  findByIdempotencyKey(cameraId: string, idempotencyKey: string): Promise<InspectionEntity | null> {
    return this.db.getRepository(InspectionEntity).findOneBy({ cameraId, idempotencyKey });
  }

  /** insert(), not save(): save() with a given id first SELECTs to choose between insert and update. */
  async insert(row: InspectionEntity): Promise<InspectionEntity> {
    const repo = this.db.getRepository(InspectionEntity);
    const entity = repo.create(row);
    await repo.insert(entity);
    return entity;
  }

  /** Applies `change` only while the inspection is pending; returns its line, or null when it was already final. */
  async finishPending(
    id: string,
    change: QueryDeepPartialEntity<InspectionEntity>,
  ): Promise<{ lineId: string } | null> {
    const updated = await this.db
      .createQueryBuilder()
      .update(InspectionEntity)
      .set(change)
      .where('id = :id AND status = :pending', { id, pending: 'pending' })
      .returning('line_id')
      .execute();
    const row = (updated.raw as { line_id: string }[])[0];
    return row ? { lineId: row.line_id } : null;
  }

  /** Sets heatmap_key only where none is set; false when the row is gone or already has one. */
  async attachHeatmap(id: string, key: string): Promise<boolean> {
    const updated = await this.db
      .createQueryBuilder()
      .update(InspectionEntity)
      .set({ heatmapKey: key })
      .where('id = :id AND heatmap_key IS NULL', { id })
      .execute();
    return (updated.affected ?? 0) > 0;
  }

  /** The stored heatmap key; undefined when the inspection does not exist. */
  async findHeatmapKey(id: string): Promise<string | null | undefined> {
    const row = await this.db
      .getRepository(InspectionEntity)
      .findOne({ where: { id }, select: { id: true, heatmapKey: true } });
    return row === null ? undefined : row.heatmapKey;
  }

  /** Ids of inspections still pending long after their upload, oldest first. */
  async findStalePending(olderThanSeconds: number, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM inspections WHERE status = 'pending' AND received_at < now() - make_interval(secs => $1)
        ORDER BY received_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
    return rows.map((row) => row.id);
  }
}
