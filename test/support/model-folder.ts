import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A valid manifest.json of a two-class 32 px model, without `files` (an import computes those). */
export function exampleManifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 1,
    architecture: { arch: 'resnet', depth: 10, width: 8, numClasses: 2 },
    inputSize: [32, 32],
    preprocessing: { inputSize: [32, 32], resize: 'squash', normalization: 'resnet' },
    classNames: ['defect', 'ok'],
    positiveClasses: ['defect'],
    operatingPoint: { threshold: 0.5, uncertainBand: { low: 0.3, high: 0.7 } },
    trainingConfig: { epochs: 2 },
    metrics: {},
    createdAt: '2026-01-05T10:00:00.000Z',
    ...overrides,
  };
}

/** Writes `<dir>/manifest.json` (only the manifest: what the API checks before queueing an import). */
export async function writeManifestFolder(
  dir: string,
  manifest: unknown = exampleManifest(),
): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'manifest.json'),
    typeof manifest === 'string' ? manifest : JSON.stringify(manifest),
  );
  return dir;
}
