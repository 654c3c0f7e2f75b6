import { Injectable } from '@nestjs/common';
import { LabelSetEntity, LabelSetItemEntity } from '@linescope/db';
import { EntityManager } from 'typeorm';

/** The latest QA review of an inspection, with what training needs of it. */
export interface LatestReview {
  inspectionId: string;
  reviewId: string;
  imageKey: string;
  decision: 'ok' | 'defect';
  defectType: string | null;
}

export type NewLabelSet = Pick<
  LabelSetEntity,
  'name' | 'task' | 'source' | 'classNames' | 'itemCount' | 'fingerprint' | 'frozenAt'
>;

/** Label sets frozen from the QA reviews, and their items. */
@Injectable()
export class LabelSetRepository {
  constructor(private readonly db: EntityManager) {}

  /** Each reviewed inspection's latest review in the window, ordered by inspection. */
  async latestReviews(filter: {
    reviewedBefore: Date;
    reviewedAfter?: Date;
    lineIds?: string[];
  }): Promise<LatestReview[]> {
    const rows: {
      inspection_id: string;
      review_id: string;
      image_key: string;
      decision: 'ok' | 'defect';
      defect_type: string | null;
    }[] = await this.db.query(
      `SELECT DISTINCT ON (r.inspection_id) r.inspection_id, r.id AS review_id, i.image_key, r.decision, r.defect_type
         FROM reviews r JOIN inspections i ON i.id = r.inspection_id
        WHERE r.created_at <= $1 AND ($2::uuid[] IS NULL OR i.line_id = ANY($2::uuid[]))
          AND ($3::timestamptz IS NULL OR r.created_at > $3)
        ORDER BY r.inspection_id, r.created_at DESC, r.id DESC`,
      [filter.reviewedBefore, filter.lineIds ?? null, filter.reviewedAfter ?? null],
    );
    return rows.map((row) => ({
      inspectionId: row.inspection_id,
      reviewId: row.review_id,
      imageKey: row.image_key,
      decision: row.decision,
      defectType: row.defect_type,
    }));
  }

  /** Saves a label set with its items. */
  async insert(
    labelSet: NewLabelSet,
    items: Pick<LabelSetItemEntity, 'inspectionId' | 'reviewId' | 'label'>[],
  ): Promise<LabelSetEntity> {
    const saved = await this.db.getRepository(LabelSetEntity).save(labelSet);
    if (items.length)
      await this.db
        .getRepository(LabelSetItemEntity)
        .insert(items.map((item) => ({ ...item, labelSetId: saved.id })));
    return saved;
  }

  findById(id: string): Promise<LabelSetEntity | null> {
    return this.db.getRepository(LabelSetEntity).findOneBy({ id });
  }

  /** The items of a label set with their image keys, ordered by inspection. */
  async findSamples(labelSetId: string): Promise<{ key: string; className: string }[]> {
    const rows: { image_key: string; label: string }[] = await this.db.query(
      `SELECT i.image_key, l.label FROM label_set_items l JOIN inspections i ON i.id = l.inspection_id
        WHERE l.label_set_id = $1 ORDER BY l.inspection_id`,
      [labelSetId],
    );
    return rows.map((row) => ({ key: row.image_key, className: row.label }));
  }
}
