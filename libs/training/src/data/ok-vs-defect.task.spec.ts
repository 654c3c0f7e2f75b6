import { MAGNETIC_TILE } from '../testing/shared-datasets.testing';
import { classCounts } from './class.weights';
import { scanImageFolder, type ImageFolder } from './image-folder.scan';
import { toOkVsDefect } from './ok-vs-defect.task';

describe('toOkVsDefect on magnetic-tile', () => {
  let folder: ImageFolder;
  beforeAll(async () => {
    folder = await scanImageFolder(MAGNETIC_TILE);
  });

  it('maps ok to 0 and the five defect types to 1, keeping the defect type', () => {
    const task = toOkVsDefect(folder, { okClassNames: ['ok'] });
    expect(task.classNames).toEqual(['ok', 'defect']);
    expect(task.secondaryClassNames).toEqual(folder.classNames);
    expect(classCounts(task.samples.map((s) => s.label), 2)).toEqual([952, 392]);
    const crack = task.samples.find((s) => s.secondaryClassName === 'crack');
    expect(crack).toMatchObject({ label: 1, className: 'defect', secondaryLabel: 2 });
    const ok = task.samples.find((s) => s.secondaryClassName === 'ok');
    expect(ok).toMatchObject({ label: 0, className: 'ok', secondaryLabel: 4 });
    expect(task.samples.map((s) => s.path)).toEqual(folder.samples.map((s) => s.path));
  });

  it('accepts several ok classes and rejects unknown or all-ok mappings', () => {
    const task = toOkVsDefect(folder, { okClassNames: ['ok', 'uneven'] });
    expect(task.samples.filter((s) => s.label === 0)).toHaveLength(952 + 103);
    expect(() => toOkVsDefect(folder, { okClassNames: ['good'] })).toThrow('good');
    expect(() => toOkVsDefect(folder, { okClassNames: folder.classNames })).toThrow('no defect class');
    expect(() => toOkVsDefect(folder, { okClassNames: [] })).toThrow('empty');
  });
});
