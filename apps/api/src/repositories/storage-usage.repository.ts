import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface LineStorageRow {
  lineId: string;
  name: string;
  rows: number;
  /** Rows whose image is still stored. */
  imagesStored: number;
  imageBytes: number;
  /** Image bytes received over the last `days` days, per day. */
  bytesPerDay: number;
  rowsPerDay: number;
}

/** Row counts and stored image bytes per line, from the rows (heatmaps and thumbnails are not counted here). */
@Injectable()
export class StorageUsageRepository {
  constructor(private readonly db: EntityManager) {}

  async perLine(days: number): Promise<LineStorageRow[]> {
    const rows: {
      line_id: string;
      name: string;
      rows: string;
      images_stored: string;
      image_bytes: string;
      recent_bytes: string;
      recent_rows: string;
    }[] = await this.db.query(
      `SELECT l.id AS line_id, l.name,
              count(i.id) AS rows,
              count(i.id) FILTER (WHERE i.image_purged_at IS NULL) AS images_stored,
              COALESCE(sum(i.image_bytes) FILTER (WHERE i.image_purged_at IS NULL), 0) AS image_bytes,
              COALESCE(sum(i.image_bytes) FILTER (WHERE i.received_at > now() - make_interval(days => $1)), 0)
                AS recent_bytes,
              count(i.id) FILTER (WHERE i.received_at > now() - make_interval(days => $1)) AS recent_rows
         FROM production_lines l LEFT JOIN inspections i ON i.line_id = l.id
        GROUP BY l.id, l.name ORDER BY l.name`,
      [days],
    );
    return rows.map((row) => ({
      lineId: row.line_id,
      name: row.name,
      rows: Number(row.rows),
      imagesStored: Number(row.images_stored),
      imageBytes: Number(row.image_bytes),
      bytesPerDay: Number(row.recent_bytes) / days,
      rowsPerDay: Number(row.recent_rows) / days,
    }));
  }
}
