import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { APP_CONFIG } from '@linescope/platform';
import { type Finding } from '@linescope/training/checklist';
import {
  type EpochSummary,
  type Evaluation,
  evaluate,
  evaluationSummary,
  prepareDataset,
  resolveTrainingConfig,
  type TrainingConfig,
} from '@linescope/training/engine';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  loadFolderForImport,
  ModelArtifactError,
  type ModelManifest,
  readInsideFolder,
} from '@linescope/vision/artifacts';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { type RegistrableResult } from './model-registry.service';

/** An import that cannot succeed as it stands (a file that does not match, a folder outside the roots). */
export class ModelImportError extends Error {}

/** What an import job's row holds in `config` (written by the API's ModelImportService). */
export interface ModelImportRequest {
  import: { path: string };
  training: { name: string };
}

export function isImportRequest(
  config: Record<string, unknown>,
): config is Record<string, unknown> & ModelImportRequest {
  const given = config.import as { path?: unknown } | undefined;
  return typeof given === 'object' && given !== null && typeof given.path === 'string';
}

const CHARTS = ['loss', 'accuracy', 'learningRate', 'roc'] as const;

/**
 * Turns a model folder trained elsewhere (`npm run train`) into what a finished training hands the registry:
 * every file checked against the manifest (or its digests computed), the model loaded and its shapes checked,
 * the folder's evaluation, history, findings and charts when it has them. Says what it did through `log`.
 */
@Injectable()
export class ModelImportService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async load(request: ModelImportRequest, log: (line: string) => void): Promise<RegistrableResult> {
    const folder = await this.insideRoots(request.import.path);
    let imported;
    try {
      imported = await loadFolderForImport(folder);
    } catch (error) {
      if (error instanceof ModelArtifactError) throw new ModelImportError(`${folder}: ${error.message}`);
      throw error;
    }
    const { model, manifest, filesRecorded } = imported;
    try {
      const files = [manifest.files.modelJson, ...manifest.files.weights];
      log(
        filesRecorded
          ? `import: ${folder}: ${files.length} files match the manifest's sha256`
          : `import: ${folder}: the manifest records no digests; computed from the files as found (${files.length} files)`,
      );
      log(
        `import: the model builds; input [${manifest.inputSize.join(', ')}, 3] and ${manifest.classNames.length} outputs (${manifest.classNames.join(', ')}) match the manifest`,
      );
      const recorded = await readJson<Evaluation>(folder, 'evaluation.json', isEvaluation);
      if (recorded) log(`import: evaluation.json: ${recorded.testCount} test images`);
      const evaluation = recorded ?? (await this.evaluateOnRecordedSplit(model, manifest, log));
      if (!evaluation) log('import: registered without test metrics');
      const history = (await readJson<EpochSummary[]>(folder, 'history.json', Array.isArray)) ?? [];
      const findings = (await readJson<Finding[]>(folder, 'findings.json', Array.isArray)) ?? [];
      const trainingConfig = manifest.trainingConfig as Partial<TrainingConfig>;
      const specArch = manifest.architecture.arch;
      const arch = trainingConfig.model?.arch ?? (typeof specArch === 'string' ? specArch : 'imported');
      const config = {
        ...trainingConfig,
        model: { ...(trainingConfig.model ?? {}), arch },
        epochs: trainingConfig.epochs ?? history.length,
      } as TrainingConfig;
      const datasetSha256 = manifest.metrics.datasetSha256;
      const { schemaVersion: _version, files: _files, onnxKey: _onnxKey, ...input } = manifest;
      return {
        model,
        config,
        classNames: manifest.classNames,
        preprocessing: manifest.preprocessing,
        fingerprint: { sha256: typeof datasetSha256 === 'string' ? datasetSha256 : null },
        history,
        findings,
        evaluation,
        charts: await readCharts(folder),
        manifest: {
          ...input,
          metrics: {
            ...manifest.metrics,
            // Measured here: the figures the list and the comparison show come from this evaluation.
            ...(evaluation && !recorded ? evaluationSummary(evaluation) : {}),
            imported: {
              from: folder,
              digestsRecorded: filesRecorded,
              evaluation: recorded ? 'evaluation.json' : evaluation ? 'recorded test split' : 'none',
            },
          },
        },
      };
    } catch (error) {
      model.dispose();
      throw error;
    }
  }

  /**
   * A folder without evaluation.json is evaluated on the test split its training recorded: the configuration's
   * data folder (inside the training roots), split again with its seed, used only if the images are exactly those
   * it was trained on (the manifest's dataset sha256). Null, and the log says why, when that cannot be done.
   */
  private async evaluateOnRecordedSplit(
    model: tfl.LayersModel,
    manifest: ModelManifest,
    log: (line: string) => void,
  ): Promise<Evaluation | null> {
    const recordedSha256 = manifest.metrics.datasetSha256;
    let config: TrainingConfig;
    try {
      config = resolveTrainingConfig(manifest.trainingConfig);
    } catch {
      log('import: no evaluation.json, and the manifest records no complete training configuration to split');
      return null;
    }
    const source = config.data.source;
    if (source.kind !== 'folder' || typeof recordedSha256 !== 'string') {
      log('import: no evaluation.json, and the manifest records no dataset folder and sha256 to split again');
      return null;
    }
    const candidates = path.isAbsolute(source.path)
      ? [source.path]
      : this.config.trainingDataRoots.map((root) => path.resolve(root, source.path));
    for (const candidate of candidates) {
      const folder = await this.insideRoots(candidate).catch(() => null);
      if (!folder) continue;
      const resolved = {
        ...config,
        data: { ...config.data, source: { kind: 'folder' as const, path: folder } },
      };
      const dataset = await prepareDataset(resolved, manifest.preprocessing);
      if (dataset.fingerprint.sha256 !== recordedSha256) {
        log(`import: ${folder} no longer holds the images the model was trained on (dataset sha256 differs)`);
        continue;
      }
      const evaluation = await evaluate(
        model,
        {
          cache: dataset.cache,
          labels: dataset.samples.map((sample) => sample.label),
          normalization: manifest.preprocessing.normalization,
        },
        dataset.split,
        {
          classNames: manifest.classNames,
          positiveClasses: manifest.positiveClasses,
          targetRecall: config.evaluation.targetRecall,
          band: config.evaluation.band,
          calibrationBins: config.evaluation.calibrationBins,
          batchSize: config.batchSize,
          views: manifest.testTimeViews ?? ['identity'],
        },
      );
      log(
        `import: no evaluation.json: evaluated on the recorded test split of ${folder} (${evaluation.testCount} images)`,
      );
      return evaluation;
    }
    log(
      `import: no evaluation.json, and the training data ${source.path} is not inside the training data roots`,
    );
    return null;
  }

  /** The API confined the path when the job was created; the folder is checked again where it is read. */
  private async insideRoots(given: string): Promise<string> {
    const real = await realpath(given).catch(() => {
      throw new ModelImportError(`${given} does not exist (any more)`);
    });
    const roots = await Promise.all(
      this.config.trainingDataRoots.map((root) => realpath(root).catch(() => path.resolve(root))),
    );
    if (!roots.some((root) => real === root || real.startsWith(root + path.sep)))
      throw new ModelImportError(`${given} is outside the training data roots`);
    return real;
  }
}

async function readJson<T>(
  folder: string,
  file: string,
  valid: (value: unknown) => boolean,
): Promise<T | null> {
  let text: string;
  try {
    text = (await readInsideFolder(folder, file)).toString('utf8');
  } catch (error) {
    if (error instanceof ModelArtifactError && error.code === 'missing_object') return null;
    throw error instanceof ModelArtifactError ? new ModelImportError(error.message) : error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ModelImportError(`${file} is not valid JSON`);
  }
  if (!valid(value)) throw new ModelImportError(`${file} is not what \`npm run train\` writes`);
  return value as T;
}

function isEvaluation(value: unknown): boolean {
  const candidate = value as Partial<Evaluation> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.testCount === 'number' &&
    typeof candidate.report === 'object' &&
    Array.isArray(candidate.views)
  );
}

async function readCharts(folder: string): Promise<RegistrableResult['charts']> {
  const charts: RegistrableResult['charts'] = {};
  for (const chart of CHARTS) {
    // A chart is decoration: one that is missing or leads out of the folder is left out.
    charts[chart] = await readInsideFolder(folder, `charts/${chart}.png`).catch(() => null);
  }
  return charts;
}
