import { SPLIT_NAMES, type SplitName } from '../data/sample.types';
import { type PreparedDataset } from './training.dataset';

/** One image of a split: its id (path relative to the dataset folder, or the object key) and its class. */
export interface SplitMember {
  id: string;
  className: string;
}

/** Which images a run trained, validated and tested on: saved beside the model as `split.json`. */
export type SplitMembers = Record<SplitName, SplitMember[]> & { datasetSha256: string };

/** The split of a prepared dataset by image id, each list in the split's own order. */
export function splitMembersOf(dataset: PreparedDataset): SplitMembers {
  const members = (indices: readonly number[]): SplitMember[] =>
    indices.map((i) => ({
      id: dataset.samples[i].fingerprintPath,
      className: dataset.samples[i].group,
    }));
  const lists = Object.fromEntries(SPLIT_NAMES.map((name) => [name, members(dataset.split[name])]));
  return { datasetSha256: dataset.fingerprint.sha256, ...(lists as Record<SplitName, SplitMember[]>) };
}
