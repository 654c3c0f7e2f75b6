import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ModelArtifactError } from './model-artifact.error';
import {
  decodeModelArtifacts,
  encodeModelArtifacts,
  MODEL_JSON_FILE,
  parseModelJson,
  WEIGHTS_FILE,
} from './model-json.codec';

/** Resolves a weight path from model.json inside `directory`, refusing anything that would leave it. */
export function resolveInsideFolder(directory: string, relative: string): string {
  const root = path.resolve(directory);
  const resolved = path.resolve(root, relative);
  if (path.isAbsolute(relative) || !resolved.startsWith(root + path.sep)) {
    throw new ModelArtifactError(
      'invalid_model_json',
      `weight path ${JSON.stringify(relative)} leaves ${root}`,
    );
  }
  return resolved;
}

async function readFileOrMissing(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelArtifactError('missing_object', `${file} does not exist`, { cause: error });
    }
    throw error;
  }
}

/**
 * tfjs IOHandler for a model folder on local disk (model.json + weight shards), the layout written by
 * `model.save('file://…')` in tfjs-node and by the tensorflowjs converter, without needing tfjs-node.
 * Loads any number of shards; saves a single `weights.bin`.
 */
export class DiskFolderModelHandler implements tf.io.IOHandler {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = path.resolve(directory);
  }

  async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    const { modelJson, weights } = encodeModelArtifacts(artifacts, WEIGHTS_FILE);
    await mkdir(this.directory, { recursive: true });
    await writeFile(path.join(this.directory, WEIGHTS_FILE), weights);
    await writeFile(path.join(this.directory, MODEL_JSON_FILE), modelJson);
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }

  async load(): Promise<tf.io.ModelArtifacts> {
    const where = `${this.directory}${path.sep}`;
    const modelJson = parseModelJson(
      await readFileOrMissing(path.join(this.directory, MODEL_JSON_FILE)),
      where,
    );
    return decodeModelArtifacts(
      modelJson,
      (weightPath) => readFileOrMissing(resolveInsideFolder(this.directory, weightPath)),
      where,
    );
  }
}

/**
 * Loads a pretrained tfjs LayersModel (e.g. a converted Keras MobileNetV2) from a folder, to be used as a
 * backbone. Custom layer classes must be registered (imported) before calling.
 * `strict: false` tolerates weights in the files that the topology does not use.
 */
export async function importPretrainedBackbone(
  directory: string,
  options: { strict?: boolean } = {},
): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(new DiskFolderModelHandler(directory), { strict: options.strict ?? true });
}
