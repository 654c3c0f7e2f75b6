import { Injectable } from '@nestjs/common';
import { LabelSetEntity, LabelSetItemEntity } from '@linescope/db';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';

export interface FrozenLabelSet {
  labelSetId: string;
  classNames: string[];
  samples: { key: string; className: string }[];
}

interface LatestReview {
  inspection_id: string;
  review_id: string;
  image_key: string;
  decision: 'ok' | 'defect';
  defect_type: string | null;
}

/**
 * Freezes the QA reviews into a label set when a job starts, so the model names exactly the labels it learned
 * from. The label of an inspection is its latest review: `ok`, or the defect type (plain `defect` without one),
 * so the ok-vs-defect task keeps the defect type as its second level.
 */
@Injectable()
export class LabelSetService {
  constructor(private readonly dataSource: DataSource) {}

  async freezeFromReviews(options: {
    name: string;
    lineIds?: string[];
    reviewedBefore: Date;
    reviewedAfter?: Date;
  }): Promise<FrozenLabelSet> {
    const { name, lineIds, reviewedBefore, reviewedAfter } = options;
    return this.dataSource.transaction(async (manager) => {
      const rows: LatestReview[] = await manager.query(
        `SELECT DISTINCT ON (r.inspection_id) r.inspection_id, r.id AS review_id, i.image_key, r.decision, r.defect_type
           FROM reviews r JOIN inspections i ON i.id = r.inspection_id
          WHERE r.created_at <= $1 AND ($2::uuid[] IS NULL OR i.line_id = ANY($2::uuid[]))
            AND ($3::timestamptz IS NULL OR r.created_at > $3)
          ORDER BY r.inspection_id, r.created_at DESC, r.id DESC`,
        [reviewedBefore, lineIds ?? null, reviewedAfter ?? null],
      );
      const labelOf = (row: LatestReview) => (row.decision === 'ok' ? 'ok' : (row.defect_type ?? 'defect'));
      const classNames = [...new Set(rows.map(labelOf))].sort();
      const fingerprint = createHash('sha256')
        .update(rows.map((row) => `${row.inspection_id}\t${labelOf(row)}`).join('\n'))
        .digest('hex');
      const labelSet = await manager.getRepository(LabelSetEntity).save({
        name,
        task: 'ok-vs-defect',
        source: {
          kind: 'reviews' as const,
          lineIds,
          reviewedBefore: reviewedBefore.toISOString(),
          ...(reviewedAfter ? { reviewedAfter: reviewedAfter.toISOString() } : {}),
        },
        classNames,
        itemCount: rows.length,
        fingerprint,
        frozenAt: new Date(),
      });
      if (rows.length) {
        await manager.getRepository(LabelSetItemEntity).insert(
          rows.map((row) => ({
            labelSetId: labelSet.id,
            inspectionId: row.inspection_id,
            reviewId: row.review_id,
            label: labelOf(row),
          })),
        );
      }
      return {
        labelSetId: labelSet.id,
        classNames,
        samples: rows.map((row) => ({ key: row.image_key, className: labelOf(row) })),
      };
    });
  }

  /** The samples of a label set frozen earlier (a resumed job uses the same labels). */
  async load(labelSetId: string): Promise<FrozenLabelSet> {
    const labelSet = await this.dataSource.getRepository(LabelSetEntity).findOneByOrFail({ id: labelSetId });
    const rows: { image_key: string; label: string }[] = await this.dataSource.query(
      `SELECT i.image_key, l.label FROM label_set_items l JOIN inspections i ON i.id = l.inspection_id
        WHERE l.label_set_id = $1 ORDER BY l.inspection_id`,
      [labelSetId],
    );
    return {
      labelSetId,
      classNames: labelSet.classNames,
      samples: rows.map((row) => ({ key: row.image_key, className: row.label })),
    };
  }
}
