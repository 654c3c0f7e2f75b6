import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { compareStrings, type LabelledDataset, type Sample } from './sample.types';

export const IMAGE_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.tif',
  '.tiff',
  '.gif',
  '.bmp',
];

export interface ImageFolder extends LabelledDataset {
  /** Absolute path of the scanned folder. */
  root: string;
}

export class EmptyClassFolderError extends Error {
  constructor(readonly className: string) {
    super(`class folder "${className}" has no images`);
    this.name = 'EmptyClassFolderError';
  }
}

/** True for names the scanner considers images (by extension, case-insensitive; hidden files excluded). */
export function isImageFileName(name: string): boolean {
  return !name.startsWith('.') && IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/**
 * Scans `<root>/<class>/<image>` into samples. Classes are the non-hidden sub-folders, sorted by name
 * (code-unit order), labelled 0..C-1. Only the first level inside a class folder is read; other files
 * (README, CSV, hidden files) are ignored. A class folder with no image throws, because a silently
 * missing class would shift every label after it.
 */
export async function scanImageFolder(root: string): Promise<ImageFolder> {
  const absoluteRoot = path.resolve(root);
  const classNames = (await listEntries(absoluteRoot, 'directory'))
    .filter((name) => !name.startsWith('.'))
    .sort(compareStrings);
  if (classNames.length === 0) throw new Error(`no class folders in ${absoluteRoot}`);

  const samples: Sample[] = [];
  for (const [label, className] of classNames.entries()) {
    const classDir = path.join(absoluteRoot, className);
    const files = (await listEntries(classDir, 'file')).filter(isImageFileName).sort(compareStrings);
    if (files.length === 0) throw new EmptyClassFolderError(className);
    for (const file of files) samples.push({ path: path.join(classDir, file), label, className });
  }
  return { root: absoluteRoot, classNames, samples };
}

/** Entry names of one kind, following symbolic links. */
async function listEntries(dir: string, kind: 'directory' | 'file'): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names: string[] = [];
  for (const entry of entries) {
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(path.join(dir, entry.name)).catch(() => null);
      isDirectory = target?.isDirectory() ?? false;
      isFile = target?.isFile() ?? false;
    }
    if (kind === 'directory' ? isDirectory : isFile) names.push(entry.name);
  }
  return names;
}
