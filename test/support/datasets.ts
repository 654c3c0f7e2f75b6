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

/**
 * A dataset's `<class>/<image>` folders: classes sorted by name and labelled 0..C-1, images sorted by name
 * (code-unit order, like the training library's scanner, which the lower layers may not import).
 */
export function datasetFolder(dataset: string): {
  classNames: string[];
  samples: { path: string; label: number; className: string }[];
} {
  const root = path.join(DATASETS, dataset);
  const classNames = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
  const samples = classNames.flatMap((className, label) =>
    readdirSync(path.join(root, className))
      .filter((name) => !name.startsWith('.') && /\.(jpe?g|png|bmp|tiff?|webp|gif)$/i.test(name))
      .sort()
      .map((name) => ({ path: path.join(root, className, name), label, className })),
  );
  return { classNames, samples };
}
