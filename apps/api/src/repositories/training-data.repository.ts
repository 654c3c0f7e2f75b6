import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export interface ClassCount {
  name: string;
  images: number;
}

export interface LabelSetSummary {
  id: string;
  name: string;
  frozenAt: Date;
  classes: ClassCount[];
}

/** What training could read from the database: the QA reviews a job would freeze, and label sets frozen before. */
@Injectable()
export class TrainingDataRepository {
  constructor(private readonly db: EntityManager) {}

  /**
   * Class counts of the labels a 'reviews' job started now would freeze: each reviewed inspection's latest review,
   * `ok` or its defect type (`defect` without one), as the trainer's LabelSetService labels them.
   */
  async reviewClassCounts(lineIds?: string[]): Promise<ClassCount[]> {
    const rows: { name: string; images: string }[] = await this.db.query(
      `SELECT label AS name, count(*)::text AS images FROM (
         SELECT DISTINCT ON (r.inspection_id)
                CASE WHEN r.decision = 'ok' THEN 'ok' ELSE coalesce(r.defect_type, 'defect') END AS label
           FROM reviews r JOIN inspections i ON i.id = r.inspection_id
          WHERE ($1::uuid[] IS NULL OR i.line_id = ANY($1::uuid[]))
          ORDER BY r.inspection_id, r.created_at DESC, r.id DESC) latest
        GROUP BY label ORDER BY label`,
      [lineIds ?? null],
    );
    return rows.map((row) => ({ name: row.name, images: Number(row.images) }));
  }

  async labelSetExists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query('SELECT 1 FROM label_sets WHERE id = $1', [id]);
    return rows.length > 0;
  }

  /** The most recent label sets with their class counts. */
  async labelSets(limit: number): Promise<LabelSetSummary[]> {
    const rows: { id: string; name: string; frozen_at: Date; label: string | null; images: string | null }[] =
      await this.db.query(
        `SELECT s.id, s.name, s.frozen_at, c.label, c.images::text AS images
           FROM (SELECT id, name, coalesce(frozen_at, created_at) AS frozen_at FROM label_sets ORDER BY 3 DESC LIMIT $1) s
           LEFT JOIN LATERAL (SELECT label, count(*) AS images FROM label_set_items
                               WHERE label_set_id = s.id GROUP BY label) c ON true
          ORDER BY s.frozen_at DESC, c.label`,
        [limit],
      );
    const sets = new Map<string, LabelSetSummary>();
    for (const row of rows) {
      const set = sets.get(row.id) ?? { id: row.id, name: row.name, frozenAt: row.frozen_at, classes: [] };
      if (row.label !== null) set.classes.push({ name: row.label, images: Number(row.images) });
      sets.set(row.id, set);
    }
    return [...sets.values()];
  }
}
