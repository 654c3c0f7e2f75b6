import { Injectable } from '@nestjs/common';
import { DatabaseTransactions } from '@linescope/db';
import { createHash } from 'node:crypto';
import { type LatestReview, LabelSetRepository } from '../repositories/label-set.repository';

export interface FrozenLabelSet {
  labelSetId: string;
  classNames: string[];
  samples: { key: string; className: string }[];
}

/**
 * Freezes the QA reviews into a label set when a job starts, so the model names exactly the labels it learned
 * from. The label of an inspection is its latest review: `ok`, or the defect type (plain `defect` without one),
 * so the ok-vs-defect task keeps the defect type as its second level.
 */
@Injectable()
export class LabelSetService {
  constructor(
    private readonly labelSets: LabelSetRepository,
    private readonly transactions: DatabaseTransactions,
  ) {}

  async freezeFromReviews(options: {
    name: string;
    lineIds?: string[];
    reviewedBefore: Date;
    reviewedAfter?: Date;
  }): Promise<FrozenLabelSet> {
    const { name, lineIds, reviewedBefore, reviewedAfter } = options;
    return this.transactions.run(async (tx) => {
      const labelSets = tx.get(LabelSetRepository);
      const rows = await labelSets.latestReviews({ reviewedBefore, reviewedAfter, lineIds });
      const labelOf = (row: LatestReview) => (row.decision === 'ok' ? 'ok' : (row.defectType ?? 'defect'));
      const classNames = [...new Set(rows.map(labelOf))].sort();
      const fingerprint = createHash('sha256')
        .update(rows.map((row) => `${row.inspectionId}\t${labelOf(row)}`).join('\n'))
        .digest('hex');
      const labelSet = await labelSets.insert(
        {
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
        },
        rows.map((row) => ({ inspectionId: row.inspectionId, reviewId: row.reviewId, label: labelOf(row) })),
      );
      return {
        labelSetId: labelSet.id,
        classNames,
        samples: rows.map((row) => ({ key: row.imageKey, className: labelOf(row) })),
      };
    });
  }

  /** The samples of a label set frozen earlier (a resumed job uses the same labels). */
  async load(labelSetId: string): Promise<FrozenLabelSet> {
    const labelSet = await this.labelSets.findById(labelSetId);
    if (!labelSet) throw new Error(`no label set ${labelSetId}`);
    return {
      labelSetId,
      classNames: labelSet.classNames,
      samples: await this.labelSets.findSamples(labelSetId),
    };
  }
}
