import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TrainingDataRepository } from '../repositories/training-data.repository';
import {
  apiErrorOf,
  createServiceTestBed,
  type ServiceTestBed,
} from '../../../../test/support/service-testing';
import { TrainingCatalogService } from './training-catalog.service';

/** Writes `<dir>/<class>/<n>.png` files: only names are counted, so they hold no pixels. */
async function datasetFolder(dir: string, classes: Record<string, number>): Promise<void> {
  for (const [name, count] of Object.entries(classes)) {
    await mkdir(path.join(dir, name), { recursive: true });
    for (let i = 0; i < count; i++) await writeFile(path.join(dir, name, `${i}.png`), '');
  }
}

describe('TrainingCatalogService (real PostgreSQL, a real folder tree)', () => {
  let bed: ServiceTestBed;
  let service: TrainingCatalogService;
  let scratch: string;
  let root: string;
  let outside: string;

  beforeAll(async () => {
    scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'linescope-catalog-')));
    root = path.join(scratch, 'roots');
    outside = path.join(scratch, 'outside');
    await datasetFolder(path.join(root, 'small'), { ok: 2, defect: 1 });
    await datasetFolder(path.join(root, 'group', 'large'), { ok: 5, crack: 4 });
    await datasetFolder(path.join(root, 'one-class'), { ok: 3 });
    await datasetFolder(path.join(root, '.hidden'), { ok: 1, defect: 1 });
    await datasetFolder(outside, { ok: 1, defect: 1 });
    await symlink(outside, path.join(root, 'escape'));
    bed = await createServiceTestBed([TrainingDataRepository, TrainingCatalogService], {
      env: { TRAINING_DATA_ROOTS: root },
    });
    service = bed.get(TrainingCatalogService);
  });
  afterAll(async () => {
    await bed.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('lists folders of at least two image classes, one level nested too; hidden ones and links out, not', async () => {
    const folders = await service.folders();
    expect(folders.map((folder) => [folder.name, folder.images])).toEqual([
      ['group/large', 9],
      ['small', 3],
    ]);
  });

  it('resolves a dataset name to its real folder under the roots', async () => {
    expect(await service.resolveFolder('small')).toBe(path.join(root, 'small'));
    expect(await service.resolveFolder(path.join(root, 'group', 'large'))).toBe(
      path.join(root, 'group', 'large'),
    );
  });

  it('refuses a path that leaves the roots, by climbing, by an absolute path or through a link', async () => {
    for (const given of ['../outside', outside, 'escape', path.join(root, 'escape')])
      expect(await apiErrorOf(service.resolveFolder(given))).toEqual({
        status: 400,
        error: 'dataset_outside_roots',
      });
  });

  it('answers 400 dataset_not_found for a folder that is not there', async () => {
    expect(await apiErrorOf(service.resolveFolder('nothing-here'))).toEqual({
      status: 400,
      error: 'dataset_not_found',
    });
    expect(await apiErrorOf(service.presets('nothing-here'))).toEqual({
      status: 400,
      error: 'dataset_not_found',
    });
  });

  it('estimates the presets on the largest dataset unless one is named', async () => {
    const presets = await service.presets();
    expect(presets.length).toBeGreaterThan(0);
    expect(presets.every((preset) => preset.estimate?.dataset === 'group/large')).toBe(true);
    expect((await service.presets('small')).every((preset) => preset.estimate?.dataset === 'small')).toBe(
      true,
    );
  });
});
