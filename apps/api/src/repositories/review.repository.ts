import { Injectable } from '@nestjs/common';
import { type ReviewDecision } from '@linescope/db';
import { EntityManager } from 'typeorm';
import { type ReviewRecord } from '../dtos/review.dto';

export interface NewReview {
  inspectionId: string;
  reviewerId: string;
  decision: ReviewDecision;
  defectType: string | null;
  note: string;
  supersedesReviewId: string | null;
}

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
  constructor(private readonly db: EntityManager) {}

  async inspectionExists(inspectionId: string): Promise<boolean> {
    const found: unknown[] = await this.db.query(`SELECT 1 FROM inspections WHERE id = $1`, [inspectionId]);
    return found.length > 0;
  }

  /** Whether `reviewId` is a review of `inspectionId`. */
  async isReviewOf(reviewId: string, inspectionId: string): Promise<boolean> {
    const found: unknown[] = await this.db.query(
      `SELECT 1 FROM reviews WHERE id = $1 AND inspection_id = $2`,
      [reviewId, inspectionId],
    );
    return found.length > 0;
  }

  async insert(input: NewReview): Promise<ReviewRecord> {
    const inserted: { id: string }[] = await this.db.query(
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
    const rows: ReviewRow[] = await this.db.query(`${SELECT_REVIEWS} WHERE r.id = $1`, [inserted[0].id]);
    return toRecord(rows[0]);
  }

  /** Reviews of the given inspections, oldest first. */
  async listFor(inspectionIds: string[]): Promise<ReviewRecord[]> {
    if (inspectionIds.length === 0) return [];
    const rows: ReviewRow[] = await this.db.query(
      `${SELECT_REVIEWS} WHERE r.inspection_id = ANY($1) ORDER BY r.created_at, r.id`,
      [inspectionIds],
    );
    return rows.map(toRecord);
  }
}
