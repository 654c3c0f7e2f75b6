import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './processes';

/** Real defect images beside the repository (never copied into it). */
export const DATASETS = path.resolve(REPO_ROOT, '..', 'shared', 'datasets');

/** The first `count` images of a dataset class, sorted by name, as bytes. */
export function datasetImages(
  dataset: string,
  className: string,
  count: number,
): { name: string; bytes: Buffer }[] {
  const dir = path.join(DATASETS, dataset, className);
  return readdirSync(dir)
    .filter((name) => /\.(jpe?g|png)$/i.test(name))
    .sort()
    .slice(0, count)
    .map((name) => ({ name, bytes: readFileSync(path.join(dir, name)) }));
}
