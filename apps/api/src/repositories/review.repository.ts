import { Injectable } from '@nestjs/common';
import { type ReviewDecision } from '@linescope/db';
import { DataSource } from 'typeorm';
import { type ReviewRecord } from '../dtos/review.dto';

export interface NewReview {
  inspectionId: string;
  reviewerId: string;
  decision: ReviewDecision;
  defectType: string | null;
  note: string;
  supersedesReviewId: string | null;
}

export type CreateReviewResult =
  | { kind: 'created'; review: ReviewRecord }
  | { kind: 'inspection_not_found' }
  | { kind: 'invalid_supersedes' };

interface ReviewRow {
  id: string;
  inspection_id: string;
  reviewer_id: string;
  reviewer_name: string;
  decision: ReviewDecision;
  defect_type: string | null;
  note: string;
  supersedes_review_id: string | null;
  created_at: Date;
}

const SELECT_REVIEWS = `
  SELECT r.id, r.inspection_id, r.reviewer_id, u.display_name AS reviewer_name, r.decision, r.defect_type,
         r.note, r.supersedes_review_id, r.created_at
    FROM reviews r JOIN users u ON u.id = r.reviewer_id`;

function toRecord(row: ReviewRow): ReviewRecord {
  return {
    id: row.id,
    inspectionId: row.inspection_id,
    reviewerId: row.reviewer_id,
    reviewerName: row.reviewer_name,
    decision: row.decision,
    defectType: row.defect_type,
    note: row.note,
    supersedesReviewId: row.supersedes_review_id,
    createdAt: row.created_at,
  };
}

/** QA reviews (append-only; `inspections.review_count` is kept by a trigger). */
@Injectable()
export class ReviewRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a review and releases the reviewer's claim on the item, in one transaction. */
  async create(input: NewReview): Promise<CreateReviewResult> {
    return this.dataSource.transaction(async (manager) => {
      const found: unknown[] = await manager.query(`SELECT 1 FROM inspections WHERE id = $1`, [
        input.inspectionId,
      ]);
      if (found.length === 0) return { kind: 'inspection_not_found' };
      if (input.supersedesReviewId) {
        const earlier: unknown[] = await manager.query(
          `SELECT 1 FROM reviews WHERE id = $1 AND inspection_id = $2`,
          [input.supersedesReviewId, input.inspectionId],
        );
        if (earlier.length === 0) return { kind: 'invalid_supersedes' };
      }
      const inserted: { id: string }[] = await manager.query(
        `INSERT INTO reviews (inspection_id, reviewer_id, decision, defect_type, note, supersedes_review_id)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [
          input.inspectionId,
          input.reviewerId,
          input.decision,
          input.defectType,
          input.note,
          input.supersedesReviewId,
        ],
      );
      await manager.query(`DELETE FROM review_claims WHERE inspection_id = $1 AND user_id = $2`, [
        input.inspectionId,
        input.reviewerId,
      ]);
      const rows: ReviewRow[] = await manager.query(`${SELECT_REVIEWS} WHERE r.id = $1`, [inserted[0].id]);
      return { kind: 'created', review: toRecord(rows[0]) };
    });
  }

  /** Reviews of the given inspections, oldest first. */
  async listFor(inspectionIds: string[]): Promise<ReviewRecord[]> {
    if (inspectionIds.length === 0) return [];
    const rows: ReviewRow[] = await this.dataSource.query(
      `${SELECT_REVIEWS} WHERE r.inspection_id = ANY($1) ORDER BY r.created_at, r.id`,
      [inspectionIds],
    );
    return rows.map(toRecord);
  }
}
