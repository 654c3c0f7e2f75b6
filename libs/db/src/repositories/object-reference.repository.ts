import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/**
 * Answers which object-store keys are still referenced by a row; the orphan sweeper deletes the rest. A row whose
 * image was purged references nothing (a heatmap rendered after the purge is an orphan).
 */
@Injectable()
export class ObjectReferenceRepository {
  constructor(private readonly db: EntityManager) {}

  async findReferenced(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows: { key: string }[] = await this.db.query(
      `SELECT image_key AS key FROM inspections WHERE image_key = ANY($1) AND image_purged_at IS NULL
       UNION SELECT heatmap_key FROM inspections WHERE heatmap_key = ANY($1) AND image_purged_at IS NULL`,
      [keys],
    );
    return new Set(rows.map((row) => row.key));
  }
}
