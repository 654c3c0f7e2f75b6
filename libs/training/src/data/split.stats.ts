import { SPLIT_NAMES, type DatasetSplit, type SplitName } from './sample.types';

export type SplitCounts = Record<SplitName | 'total', number>;

export interface SplitStats {
  perClass: ({ className: string } & SplitCounts)[];
  totals: SplitCounts;
}

/** Sample counts per class (in `classNames` order) per split, with totals. */
export function splitStats(split: DatasetSplit, classNames: readonly string[]): SplitStats {
  const perClass = classNames.map((className) => ({ className, train: 0, validation: 0, test: 0, total: 0 }));
  const totals: SplitCounts = { train: 0, validation: 0, test: 0, total: 0 };
  for (const splitName of SPLIT_NAMES) {
    for (const sample of split[splitName]) {
      const row = perClass[sample.label];
      if (row?.className !== sample.className) {
        throw new Error(`sample ${sample.path} has label ${sample.label} that does not match ${sample.className}`);
      }
      row[splitName]++;
      row.total++;
      totals[splitName]++;
      totals.total++;
    }
  }
  return { perClass, totals };
}
