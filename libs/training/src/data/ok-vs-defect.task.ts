import { type LabelledDataset, type Sample } from './sample.types';

export const OK_VS_DEFECT_CLASSES = ['ok', 'defect'] as const;
export type OkVsDefectClass = (typeof OK_VS_DEFECT_CLASSES)[number];

/** A binary sample (label 0 = ok, 1 = defect) that keeps the original class as a secondary label. */
export interface OkVsDefectSample extends Sample {
  label: 0 | 1;
  className: OkVsDefectClass;
  /** The original label, an index into `secondaryClassNames` (the defect type for defects). */
  secondaryLabel: number;
  secondaryClassName: string;
}

export interface OkVsDefectTask extends LabelledDataset<OkVsDefectSample> {
  classNames: ['ok', 'defect'];
  /** The original class names, e.g. ok, blowhole, break, crack, fray, uneven. */
  secondaryClassNames: string[];
}

/**
 * Maps a multi-class dataset to the ok-vs-defect task: the classes named in `okClassNames` become ok,
 * every other class becomes defect. Throws when an ok class is not in the dataset or no defect class is left.
 */
export function toOkVsDefect(
  dataset: LabelledDataset,
  options: { okClassNames: readonly string[] } = { okClassNames: ['ok'] },
): OkVsDefectTask {
  const okNames = new Set(options.okClassNames);
  if (okNames.size === 0) throw new Error('okClassNames is empty');
  const unknown = [...okNames].filter((name) => !dataset.classNames.includes(name));
  if (unknown.length > 0) throw new Error(`ok class(es) not in the dataset: ${unknown.join(', ')}`);
  if (dataset.classNames.every((name) => okNames.has(name))) throw new Error('no defect class left');

  const samples = dataset.samples.map((sample): OkVsDefectSample => {
    const isOk = okNames.has(sample.className);
    return {
      path: sample.path,
      label: isOk ? 0 : 1,
      className: isOk ? 'ok' : 'defect',
      secondaryLabel: sample.label,
      secondaryClassName: sample.className,
    };
  });
  return { classNames: ['ok', 'defect'], secondaryClassNames: [...dataset.classNames], samples };
}
