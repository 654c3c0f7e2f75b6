import * as tf from '@tensorflow/tfjs-core';
import { assertValidPrefix, ObjectNotFoundError, type ObjectStore } from '@linescope/storage';
import { describeFile, verifyFile } from './artifact-file.check';
import { ModelArtifactError } from './model-artifact.error';
import { type ArtifactFile } from './model-manifest.schema';
import {
  decodeModelArtifacts,
  encodeModelArtifacts,
  MODEL_JSON_FILE,
  parseModelJson,
  WEIGHTS_FILE,
  weightPaths,
} from './model-json.codec';

/** The files of a stored model, as recorded in its manifest. */
export interface ModelFiles {
  modelJson: ArtifactFile;
  weights: ArtifactFile[];
}

/** `models/abc/` and `models/abc` both become `models/abc/`; an empty prefix is refused. */
export function normalizeModelPrefix(prefix: string): string {
  if (prefix === '' || prefix === '/') throw new RangeError('a model prefix must not be empty');
  const normalized = prefix.endsWith('/') ? prefix : `${prefix}/`;
  assertValidPrefix(normalized);
  return normalized;
}

/**
 * tfjs IOHandler over the product's object store: `<prefix>model.json` plus a single `<prefix>weights.bin`.
 * With `expected` files (from a manifest), `load` verifies size and sha256 of every file before tfjs sees it.
 */
export class ObjectStoreModelHandler implements tf.io.IOHandler {
  readonly prefix: string;
  private written: ModelFiles | null = null;

  constructor(
    private readonly store: ObjectStore,
    prefix: string,
    private readonly expected?: ModelFiles,
  ) {
    this.prefix = normalizeModelPrefix(prefix);
  }

  /** Files written by the last `save`, with their digests. */
  get savedFiles(): ModelFiles | null {
    return this.written;
  }

  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    const { modelJson, weights } = encodeModelArtifacts(artifacts, WEIGHTS_FILE);
    // Weights first: a model.json is never visible before the bytes it points at.
    await this.store.put(this.prefix + WEIGHTS_FILE, weights, { contentType: 'application/octet-stream' });
    await this.store.put(this.prefix + MODEL_JSON_FILE, modelJson, { contentType: 'application/json' });
    this.written = {
      modelJson: describeFile(MODEL_JSON_FILE, modelJson),
      weights: [describeFile(WEIGHTS_FILE, weights)],
    };
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }

  async load(): Promise<tf.io.ModelArtifacts> {
    const modelJsonBytes = await this.read(MODEL_JSON_FILE);
    if (this.expected !== undefined) verifyFile(this.expected.modelJson, modelJsonBytes, this.prefix);
    const modelJson = parseModelJson(modelJsonBytes, this.prefix);
    const expectedWeights = this.expectedWeightFiles(weightPaths(modelJson));
    return decodeModelArtifacts(
      modelJson,
      async (path) => {
        const bytes = await this.read(path);
        const expected = expectedWeights?.get(path);
        if (expected !== undefined) verifyFile(expected, bytes, this.prefix);
        return bytes;
      },
      this.prefix,
    );
  }

  /** The manifest and model.json must name the same weight files: nothing unverified is loaded. */
  private expectedWeightFiles(paths: string[]): Map<string, ArtifactFile> | null {
    if (this.expected === undefined) return null;
    const byPath = new Map(this.expected.weights.map((file) => [file.path, file]));
    const referenced = new Set(paths);
    const unlisted = paths.filter((path) => !byPath.has(path));
    const unreferenced = [...byPath.keys()].filter((path) => !referenced.has(path));
    if (unlisted.length > 0 || unreferenced.length > 0) {
      throw new ModelArtifactError(
        'checksum_mismatch',
        `${this.prefix}: model.json weight files [${paths.join(', ')}] differ from the manifest's ` +
          `[${[...byPath.keys()].join(', ')}]`,
      );
    }
    return byPath;
  }

  private async read(file: string): Promise<Buffer> {
    try {
      return await this.store.get(this.prefix + file);
    } catch (error) {
      if (error instanceof ObjectNotFoundError) {
        throw new ModelArtifactError('missing_object', `${this.prefix}${file} does not exist`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}
