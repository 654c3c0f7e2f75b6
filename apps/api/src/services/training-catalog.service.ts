import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { TrainingJobRepository } from '@linescope/db';
import { APP_CONFIG } from '@linescope/platform';
import {
  estimateDuration,
  type JsonSchema,
  TRAINING_PRESETS,
  trainingConfigJsonSchema,
} from '@linescope/training/config';
import { isImageFileName } from '@linescope/training/data/image-folder.scan';
import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  type ClassCountDto,
  type DatasetFolderDto,
  type TrainingDatasetsDto,
  type TrainingPresetDto,
} from '../dtos/training-catalog.dto';
import { ApiError } from '../errors/api-error';
import { TrainingDataRepository } from '../repositories/training-data.repository';

/** How long a folder listing is reused: counting 10,000 files on every page load is wasteful. */
const LISTING_TTL_MS = 30_000;
const LABEL_SETS_LISTED = 20;

/** What the launch form needs: the configuration's schema, the datasets to pick from, the presets. */
@Injectable()
export class TrainingCatalogService {
  private listing: { at: number; folders: DatasetFolderDto[] } | undefined;

  constructor(
    private readonly data: TrainingDataRepository,
    private readonly jobs: TrainingJobRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  configSchema(): JsonSchema {
    return trainingConfigJsonSchema();
  }

  async datasets(): Promise<TrainingDatasetsDto> {
    const [folders, reviewClasses, labelSets] = await Promise.all([
      this.folders(),
      this.data.reviewClassCounts(),
      this.data.labelSets(LABEL_SETS_LISTED),
    ]);
    return {
      roots: this.config.trainingDataRoots,
      folders,
      reviews: { images: total(reviewClasses), classes: reviewClasses },
      labelSets: labelSets.map((set) => ({
        id: set.id,
        name: set.name,
        frozenAt: set.frozenAt.toISOString(),
        images: total(set.classes),
        classes: set.classes,
      })),
    };
  }

  async presets(datasetName?: string): Promise<TrainingPresetDto[]> {
    const folders = await this.folders();
    const dataset = datasetName
      ? folders.find((folder) => folder.name === datasetName)
      : [...folders].sort((a, b) => b.images - a.images)[0];
    if (datasetName && !dataset)
      throw new ApiError(
        400,
        'dataset_not_found',
        `no dataset folder "${datasetName}" under the training roots`,
      );
    const measured = await this.measuredRates();
    return TRAINING_PRESETS.map((preset) => {
      if (!dataset) return { ...preset, config: preset.config, estimate: null };
      const limit = preset.config.data?.limitPerClass;
      const images = dataset.classes.reduce(
        (sum, c) => sum + (limit === undefined ? c.images : Math.min(limit, c.images)),
        0,
      );
      const arch = preset.config.model.arch;
      const estimate = estimateDuration(preset.config, images, measured.get(arch));
      return {
        ...preset,
        config: preset.config,
        estimate: { ...estimate, dataset: dataset.name },
      };
    });
  }

  /**
   * A dataset path as given (a folder name relative to a root, or an absolute path) to its real path; a path that
   * leaves the roots is refused (400), so is a missing folder.
   */
  async resolveFolder(given: string): Promise<string> {
    return this.resolveInsideRoots(given, {
      outside: 'dataset_outside_roots',
      notFound: 'dataset_not_found',
      what: 'dataset folder',
      outsideHint: 'give a folder name listed by GET /api/v1/training/datasets',
      notFoundHint: 'GET /api/v1/training/datasets lists them',
    });
  }

  /** `fineTune.pretrained`'s folder, confined like datasets: a saved model under the training roots. */
  async resolvePretrained(given: string): Promise<string> {
    return this.resolveInsideRoots(given, {
      outside: 'pretrained_outside_roots',
      notFound: 'pretrained_not_found',
      what: 'pretrained model folder',
      outsideHint: 'put the saved model (model.json and its weights) in a folder under one of them',
      notFoundHint: 'give the folder of a saved model (model.json and its weights) under one of them',
    });
  }

  /** A model folder to import, confined to the training roots like a dataset (symbolic links resolved first). */
  async resolveModelFolder(given: string): Promise<string> {
    return this.resolveInsideRoots(given, {
      outside: 'model_outside_roots',
      notFound: 'model_not_found',
      what: 'model folder',
      outsideHint: 'put the folder `npm run train` wrote under one of them',
      notFoundHint: 'give the folder that holds manifest.json, model.json and the weights',
    });
  }

  private async resolveInsideRoots(
    given: string,
    errors: { outside: string; notFound: string; what: string; outsideHint: string; notFoundHint: string },
  ): Promise<string> {
    const roots = await Promise.all(
      this.config.trainingDataRoots.map((root) => realpath(root).catch(() => path.resolve(root))),
    );
    const listed = this.config.trainingDataRoots.join(', ');
    const outside = () =>
      new ApiError(
        400,
        errors.outside,
        `"${given}" is outside the training data roots (${listed}); ${errors.outsideHint}`,
      );
    const under = (dirs: string[], real: string) =>
      dirs.some((root) => real === root || real.startsWith(root + path.sep));
    const inside = (real: string) => under(roots, real);
    const candidates = path.isAbsolute(given) ? [given] : roots.map((root) => path.resolve(root, given));
    // A name that climbs out of every root is refused before the file system is asked anything. An absolute path
    // may name a root as configured (through a symbolic link); what it resolves to is checked below.
    const configured = this.config.trainingDataRoots.map((root) => path.resolve(root));
    if (!candidates.some((candidate) => inside(candidate) || under(configured, path.resolve(candidate))))
      throw outside();
    for (const candidate of candidates) {
      let real: string;
      try {
        real = await realpath(candidate);
        if (!(await stat(real)).isDirectory()) continue;
      } catch {
        continue;
      }
      if (!inside(real)) throw outside();
      return real;
    }
    throw new ApiError(
      400,
      errors.notFound,
      `no ${errors.what} "${given}" under the training data roots (${listed}); ${errors.notFoundHint}`,
    );
  }

  /** Folders of <class>/<image> directly under each root, or one level below (root/group/dataset). */
  async folders(): Promise<DatasetFolderDto[]> {
    if (this.listing && Date.now() - this.listing.at < LISTING_TTL_MS) return this.listing.folders;
    const found: DatasetFolderDto[] = [];
    for (const given of this.config.trainingDataRoots) {
      const root = await realpath(given).catch(() => null);
      if (!root) continue;
      for (const child of await subfolders(root)) {
        // Only folders resolveFolder accepts: a link that leads out of the root is not offered.
        if (!(await staysUnder(root, path.join(root, child)))) continue;
        const classes = await classCounts(path.join(root, child));
        if (classes) {
          found.push({ name: child, root: given, images: total(classes), classes });
          continue;
        }
        for (const grandchild of await subfolders(path.join(root, child))) {
          if (!(await staysUnder(root, path.join(root, child, grandchild)))) continue;
          const nested = await classCounts(path.join(root, child, grandchild));
          if (nested)
            found.push({
              name: `${child}/${grandchild}`,
              root: given,
              images: total(nested),
              classes: nested,
            });
        }
      }
    }
    this.listing = { at: Date.now(), folders: found };
    return found;
  }

  /** Images per second each architecture reached in finished jobs on this host (their last reported rate). */
  private async measuredRates(): Promise<Map<string, { imagesPerSecond: number; side: number }>> {
    const rates = new Map<string, { imagesPerSecond: number; side: number }>();
    for (const job of await this.jobs.list('succeeded', 50)) {
      const rate = job.progress.imagesPerSecond;
      const training = (job.config.training ?? {}) as { model?: { arch?: string; inputSize?: unknown } };
      const arch = training.model?.arch;
      const size = training.model?.inputSize;
      const side = typeof size === 'number' ? size : Array.isArray(size) ? Number(size[0]) : undefined;
      if (!arch || !rate || !side || rates.has(arch)) continue;
      rates.set(arch, { imagesPerSecond: rate, side });
    }
    return rates;
  }
}

function total(classes: ClassCountDto[]): number {
  return classes.reduce((sum, c) => sum + c.images, 0);
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory() || (entry.isSymbolicLink() && (await isDirectory(path.join(dir, entry.name)))))
      names.push(entry.name);
  }
  return names.sort();
}

async function staysUnder(root: string, dir: string): Promise<boolean> {
  const real = await realpath(dir).catch(() => null);
  return real !== null && (real === root || real.startsWith(root + path.sep));
}

async function isDirectory(target: string): Promise<boolean> {
  return stat(target).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** The classes of a dataset folder: at least two sub-folders holding images; null when it is not one. */
async function classCounts(dir: string): Promise<ClassCountDto[] | null> {
  const classes: ClassCountDto[] = [];
  for (const name of await subfolders(dir)) {
    const files = await readdir(path.join(dir, name)).catch(() => []);
    const images = files.filter(isImageFileName).length;
    if (images > 0) classes.push({ name, images });
  }
  return classes.length >= 2 ? classes : null;
}
