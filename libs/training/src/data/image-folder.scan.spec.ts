import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MAGNETIC_TILE, NEU_CLS } from '../testing/shared-datasets.testing';
import { EmptyClassFolderError, isImageFileName, scanImageFolder } from './image-folder.scan';

describe('scanImageFolder on the real datasets', () => {
  it('reads magnetic-tile: sorted classes, the documented counts, SOURCE.md ignored', async () => {
    const folder = await scanImageFolder(MAGNETIC_TILE);
    expect(folder.classNames).toEqual(['blowhole', 'break', 'crack', 'fray', 'ok', 'uneven']);
    const counts = folder.classNames.map((name) => folder.samples.filter((s) => s.className === name).length);
    expect(counts).toEqual([115, 85, 57, 32, 952, 103]);
    expect(folder.samples.every((s) => folder.classNames[s.label] === s.className)).toBe(true);
    expect(folder.samples.every((s) => s.path.startsWith(MAGNETIC_TILE + path.sep) && s.path.endsWith('.jpg'))).toBe(
      true,
    );
  });

  it('reads neu-cls: 6 classes of 300 PNGs, the CSV at the root ignored', async () => {
    const folder = await scanImageFolder(NEU_CLS);
    expect(folder.classNames).toEqual([
      'crazing',
      'inclusion',
      'patches',
      'pitted_surface',
      'rolled-in_scale',
      'scratches',
    ]);
    expect(folder.samples).toHaveLength(1800);
    expect(folder.samples.filter((s) => s.label === 3)).toHaveLength(300);
  });
});

describe('scanImageFolder rules', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'linescope-scan-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function touch(relative: string): Promise<void> {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), 'x');
  }

  it('keeps image extensions of any case, skips hidden files, other files and nested folders', async () => {
    for (const file of [
      'b/1.JPG',
      'b/2.jpeg',
      'b/3.png',
      'b/4.webp',
      'b/5.tif',
      'b/6.TIFF',
      'b/7.gif',
      'b/8.bmp',
      'b/.hidden.png',
      'b/notes.txt',
      'b/nested/9.png',
      'a/z.png',
      '.cache/1.png',
      'README.md',
    ]) {
      await touch(file);
    }
    await symlink(path.join(root, 'a', 'z.png'), path.join(root, 'b', 'linked.png'));

    const folder = await scanImageFolder(root);
    expect(folder.classNames).toEqual(['a', 'b']);
    expect(folder.samples.map((s) => `${s.label}:${path.relative(root, s.path)}`)).toEqual([
      '0:a/z.png',
      '1:b/1.JPG',
      '1:b/2.jpeg',
      '1:b/3.png',
      '1:b/4.webp',
      '1:b/5.tif',
      '1:b/6.TIFF',
      '1:b/7.gif',
      '1:b/8.bmp',
      '1:b/linked.png',
    ]);
  });

  it('sorts class names by code unit, not locale', async () => {
    for (const file of ['b/1.png', 'B/1.png', 'a/1.png']) await touch(file);
    expect((await scanImageFolder(root)).classNames).toEqual(['B', 'a', 'b']);
  });

  it('refuses a class folder without images and a root without classes', async () => {
    await expect(scanImageFolder(root)).rejects.toThrow('no class folders');
    await touch('ok/1.png');
    await touch('crack/readme.txt');
    await expect(scanImageFolder(root)).rejects.toBeInstanceOf(EmptyClassFolderError);
  });
});

describe('isImageFileName', () => {
  it.each([
    ['a.png', true],
    ['a.PNG', true],
    ['a.tiff', true],
    ['.a.png', false],
    ['a.png.txt', false],
    ['png', false],
  ])('%s -> %s', (name, expected) => {
    expect(isImageFileName(name)).toBe(expected);
  });
});
