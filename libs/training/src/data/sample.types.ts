/** One labelled image on disk. */
export interface Sample {
  /** Absolute path of the image file. */
  path: string;
  /** Index into the dataset's class names. */
  label: number;
  className: string;
}

/** A labelled image collection: class names indexed by label, and its samples. */
export interface LabelledDataset<S extends Sample = Sample> {
  classNames: string[];
  samples: S[];
}

export type SplitName = 'train' | 'validation' | 'test';
export const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];

export type DatasetSplit<S extends Sample = Sample> = Record<SplitName, S[]>;

/** Code-unit order: the same on every machine and locale, unlike localeCompare. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
