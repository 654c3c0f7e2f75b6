import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRng } from '../random/rng';
import { MAGNETIC_TILE } from '../testing/shared-datasets.testing';
import { datasetFingerprint, hashFile } from './dataset.fingerprint';
import { scanImageFolder } from './image-folder.scan';
import { type Sample } from './sample.types';

describe('datasetFingerprint on real images', () => {
  let fray: Sample[];
  beforeAll(async () => {
    fray = (await scanImageFolder(MAGNETIC_TILE)).samples.filter((s) => s.className === 'fray');
  });

  it('hashes file contents like sha256 of the whole file', async () => {
    const expected = createHash('sha256')
      .update(await readFile(fray[0].path))
      .digest('hex');
    expect((await hashFile(fray[0].path)).sha256).toBe(expected);
  });

  it('is stable, independent of sample order, and counts samples and bytes', async () => {
    const first = await datasetFingerprint(fray, MAGNETIC_TILE);
    const shuffled = await datasetFingerprint(createRng(1).shuffle(fray), MAGNETIC_TILE, { concurrency: 1 });
    expect(shuffled).toEqual(first);
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.sampleCount).toBe(32);
    const bytes = (await Promise.all(fray.map((s) => readFile(s.path)))).reduce((sum, b) => sum + b.length, 0);
    expect(first.totalBytes).toBe(bytes);
  });

  it('changes when a label changes or a sample is removed', async () => {
    const base = (await datasetFingerprint(fray, MAGNETIC_TILE)).sha256;
    const relabelled = fray.map((s, i) => (i === 3 ? { ...s, label: 0 } : s));
    expect((await datasetFingerprint(relabelled, MAGNETIC_TILE)).sha256).not.toBe(base);
    expect((await datasetFingerprint(fray.slice(1), MAGNETIC_TILE)).sha256).not.toBe(base);
  });

  it('refuses samples outside the root', async () => {
    await expect(datasetFingerprint(fray, path.join(MAGNETIC_TILE, 'ok'))).rejects.toThrow('not inside');
  });
});

describe('datasetFingerprint on a moved copy', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'linescope-fingerprint-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is the same after moving the folder and differs after one byte changes', async () => {
    const original = path.join(dir, 'a');
    await mkdir(path.join(original, 'ok'), { recursive: true });
    await mkdir(path.join(original, 'crack'), { recursive: true });
    await writeFile(path.join(original, 'ok', '1.png'), Buffer.from([1, 2, 3]));
    await writeFile(path.join(original, 'crack', '1.png'), Buffer.from([4, 5, 6]));
    await cp(original, path.join(dir, 'b'), { recursive: true });

    const fingerprintOf = async (root: string) =>
      (await datasetFingerprint((await scanImageFolder(root)).samples, root)).sha256;
    const a = await fingerprintOf(original);
    expect(await fingerprintOf(path.join(dir, 'b'))).toBe(a);

    await writeFile(path.join(dir, 'b', 'crack', '1.png'), Buffer.from([4, 5, 7]));
    expect(await fingerprintOf(path.join(dir, 'b'))).not.toBe(a);
  });
});
