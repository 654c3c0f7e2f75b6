import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { compareStrings, type Sample } from './sample.types';

export interface DatasetFingerprint {
  /** Hex sha256 over the sorted lines `relativePath \t label \t className \t contentSha256`. */
  sha256: string;
  sampleCount: number;
  totalBytes: number;
}

/**
 * Identifies exactly which images with which labels a model was trained on. Paths are taken relative to
 * `root` with '/' separators, so the fingerprint survives moving the dataset; file contents are hashed by
 * streaming, a few files at a time.
 */
export async function datasetFingerprint(
  samples: readonly Sample[],
  root: string,
  options: { concurrency?: number } = {},
): Promise<DatasetFingerprint> {
  const absoluteRoot = path.resolve(root);
  const entries = samples.map((sample) => ({
    relativePath: path.relative(absoluteRoot, path.resolve(sample.path)).split(path.sep).join('/'),
    sample,
  }));
  const outside = entries.find((e) => e.relativePath.startsWith('../') || path.isAbsolute(e.relativePath));
  if (outside) throw new Error(`${outside.sample.path} is not inside ${absoluteRoot}`);

  const contentHashes = await mapLimited(entries, options.concurrency ?? 4, (e) => hashFile(e.sample.path));
  const lines = entries.map(
    (e, i) => `${e.relativePath}\t${e.sample.label}\t${e.sample.className}\t${contentHashes[i].sha256}\n`,
  );
  lines.sort(compareStrings);

  const hash = createHash('sha256');
  for (const line of lines) hash.update(line);
  return {
    sha256: hash.digest('hex'),
    sampleCount: samples.length,
    totalBytes: contentHashes.reduce((sum, h) => sum + h.bytes, 0),
  };
}

/** sha256 of a file's content, streamed. */
export function hashFile(filePath: string): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    createReadStream(filePath)
      .on('data', (chunk: Buffer | string) => {
        bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
        hash.update(chunk);
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: hash.digest('hex'), bytes }));
  });
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
