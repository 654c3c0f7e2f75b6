import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeImage, resizeRgb, type PreprocessSpec } from '@linescope/vision/preprocess';
import { scanImageFolder } from '../data/image-folder.scan';
import { compareStrings, type DatasetSplit, type Sample } from '../data/sample.types';
import { splitStats, type SplitStats } from '../data/split.stats';
import { stratifiedSplit } from '../data/stratified.split';
import { type DatasetFingerprint } from '../data/dataset.fingerprint';
import { createRng, deriveSeed } from '../random/rng';
import { type TrainingConfig } from './training.config';

/** Reads the bytes of one image named by a sample key (a file path by default). */
export type ImageReader = (key: string) => Promise<Buffer>;

/** A sample of the engine: `path` is its key (a file path or an object key), `group` its original class. */
export interface EngineSample extends Sample {
  /** The original class: the defect type for ok-vs-defect, what splits are stratified by. */
  group: string;
  /** Where the image is recorded in the fingerprint: relative to the folder for folder sources. */
  fingerprintPath: string;
}

export interface LabelledSamples {
  classNames: string[];
  /** Classes that mean "defect"; empty when the data has no ok class (every class is a defect type). */
  positiveClasses: string[];
  samples: EngineSample[];
}

/**
 * The samples the config describes, labelled for its task: a folder is scanned (`<root>/<class>/<image>`), a
 * caller's sample list is taken as given; `limitPerClass` keeps a seeded draw of each original class; the
 * ok-vs-defect task maps the ok classes to label 0 and every other class to 1.
 */
export async function listSamples(config: TrainingConfig): Promise<LabelledSamples> {
  const { source } = config.data;
  let classNames: string[];
  let original: EngineSample[];
  if (source.kind === 'folder') {
    const folder = await scanImageFolder(source.path);
    classNames = folder.classNames;
    original = folder.samples.map((s) => ({
      ...s,
      group: s.className,
      fingerprintPath: path.relative(folder.root, s.path).split(path.sep).join('/'),
    }));
  } else {
    classNames = [...source.classNames];
    original = source.samples.map((s) => ({
      path: s.key,
      label: classNames.indexOf(s.className),
      className: s.className,
      group: s.className,
      fingerprintPath: s.key,
    }));
  }
  const limited = limitPerClass(original, config.data.limitPerClass, config.seed);
  const okNames = config.data.okClassNames.filter((name) => classNames.includes(name));
  if (config.data.task === 'multiclass') {
    return {
      classNames,
      positiveClasses: okNames.length > 0 ? classNames.filter((name) => !okNames.includes(name)) : [],
      samples: limited,
    };
  }
  const missing = config.data.okClassNames.filter((name) => !classNames.includes(name));
  if (missing.length > 0) throw new Error(`ok class(es) not in the dataset: ${missing.join(', ')}`);
  if (classNames.every((name) => okNames.includes(name))) throw new Error('no defect class left');
  return {
    classNames: ['ok', 'defect'],
    positiveClasses: ['defect'],
    samples: limited.map((s) => {
      const isOk = okNames.includes(s.className);
      return { ...s, label: isOk ? 0 : 1, className: isOk ? 'ok' : 'defect' };
    }),
  };
}

function limitPerClass(samples: EngineSample[], limit: number | undefined, seed: number): EngineSample[] {
  if (limit === undefined) return samples;
  const byClass = new Map<string, EngineSample[]>();
  for (const sample of samples) byClass.set(sample.group, [...(byClass.get(sample.group) ?? []), sample]);
  return [...byClass.entries()].flatMap(([group, members]) => {
    const ordered = [...members].sort((a, b) => compareStrings(a.path, b.path));
    return createRng(deriveSeed(seed, 'limit-per-class', group))
      .shuffle(ordered)
      .slice(0, limit);
  });
}

/** Seeded split stratified by original class, so every defect type reaches every split. */
export function splitSamples(
  samples: readonly EngineSample[],
  config: TrainingConfig,
): DatasetSplit<EngineSample> {
  return stratifiedSplit(samples, {
    fractions: config.data.split,
    seed: config.seed,
    stratifyBy: (s) => s.group,
  });
}

/**
 * Every image decoded and resized ONCE through the inference service's own functions (`decodeImage`, then
 * `resizeRgb` with the model's policy): uint8 RGB at the model's input size, normalised per batch later.
 */
export interface ImageCache {
  height: number;
  width: number;
  /** One HWC uint8 RGB buffer per sample, in the order the samples were given. */
  pixels: Uint8Array[];
  /** sha256 of each file's bytes. */
  contentSha256: string[];
  totalBytes: number;
}

export async function loadImageCache(
  samples: readonly Pick<EngineSample, 'path'>[],
  spec: PreprocessSpec,
  options: {
    readImage?: ImageReader;
    concurrency?: number;
    onLoaded?: (done: number, total: number) => void;
  } = {},
): Promise<ImageCache> {
  const read = options.readImage ?? ((key: string) => readFile(key));
  const [height, width] = spec.inputSize;
  const pixels = new Array<Uint8Array>(samples.length);
  const contentSha256 = new Array<string>(samples.length);
  let totalBytes = 0;
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < samples.length) {
      const index = next++;
      const key = samples[index].path;
      const bytes = await read(key);
      totalBytes += bytes.length;
      contentSha256[index] = createHash('sha256').update(bytes).digest('hex');
      try {
        const decoded = await decodeImage(bytes, { maxPixels: spec.maxPixels });
        const resized = await resizeRgb(decoded, spec.inputSize, spec.resize);
        pixels[index] = new Uint8Array(resized.data.buffer, resized.data.byteOffset, resized.data.length);
      } catch (error) {
        throw new Error(
          `cannot preprocess ${key}: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
          },
        );
      }
      options.onLoaded?.(++done, samples.length);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, samples.length)) }, worker),
  );
  return { height, width, pixels, contentSha256, totalBytes };
}

/**
 * The dataset fingerprint of `datasetFingerprint` (same lines, same hash) computed from bytes already read:
 * `fingerprintPath \t label \t className \t sha256(content)`, sorted.
 */
export function fingerprintFromCache(
  samples: readonly EngineSample[],
  cache: ImageCache,
): DatasetFingerprint {
  const lines = samples.map(
    (s, i) => `${s.fingerprintPath}\t${s.label}\t${s.className}\t${cache.contentSha256[i]}\n`,
  );
  lines.sort(compareStrings);
  const hash = createHash('sha256');
  for (const line of lines) hash.update(line);
  return { sha256: hash.digest('hex'), sampleCount: samples.length, totalBytes: cache.totalBytes };
}

/** A labelled, split, decoded dataset ready for batching. Split entries are indices into `samples`/`cache`. */
export interface PreparedDataset extends LabelledSamples {
  split: Record<keyof DatasetSplit, number[]>;
  cache: ImageCache;
  fingerprint: DatasetFingerprint;
  stats: SplitStats;
}

export async function prepareDataset(
  config: TrainingConfig,
  spec: PreprocessSpec,
  options: { readImage?: ImageReader; onLoaded?: (done: number, total: number) => void } = {},
): Promise<PreparedDataset> {
  const labelled = await listSamples(config);
  const split = splitSamples(labelled.samples, config);
  const indexOf = new Map(labelled.samples.map((s, i) => [s.path, i]));
  const indices = (list: readonly EngineSample[]) => list.map((s) => indexOf.get(s.path) as number);
  const cache = await loadImageCache(labelled.samples, spec, options);
  return {
    ...labelled,
    split: { train: indices(split.train), validation: indices(split.validation), test: indices(split.test) },
    cache,
    fingerprint: fingerprintFromCache(labelled.samples, cache),
    stats: splitStats(split, labelled.classNames),
  };
}
