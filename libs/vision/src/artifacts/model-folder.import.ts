import path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// Registers the zoo's custom layers (FastBatchNorm, the ViT's token layers) so imported models deserialize.
import '../models';
import { describeFile, verifyFile } from './artifact-file.check';
import { ModelArtifactError } from './model-artifact.error';
import { checkModelMatchesManifest } from './model-artifact.store';
import { readFolderManifest, readInsideFolder } from './model-folder.manifest';
import { decodeModelArtifacts, MODEL_JSON_FILE, parseModelJson, weightPaths } from './model-json.codec';
import { type ArtifactFile, type ModelManifest } from './model-manifest.schema';

export interface ImportedFolder {
  model: tfl.LayersModel;
  /** With `files` as verified (or, when the manifest had none, as computed). */
  manifest: ModelManifest;
  /** False when the manifest recorded no digests and they were computed from the files as found. */
  filesRecorded: boolean;
}

/**
 * Loads a model folder for import: every file checked against the manifest's size and sha256 (when it records
 * them; else computed), the weight files the manifest names exactly those model.json names, the model built
 * from the very bytes that were checked, and its input and output shapes against the manifest.
 */
export async function loadFolderForImport(folder: string): Promise<ImportedFolder> {
  const manifest = await readFolderManifest(folder);
  const where = `${folder}${path.sep}`;
  const modelJsonBytes = await readInsideFolder(folder, MODEL_JSON_FILE);
  if (manifest.files) verifyFile(manifest.files.modelJson, modelJsonBytes, where);
  const modelJson = parseModelJson(modelJsonBytes, where);
  const paths = weightPaths(modelJson);
  if (manifest.files) {
    const named = manifest.files.weights.map((file) => file.path).sort();
    if (JSON.stringify(named) !== JSON.stringify([...paths].sort()))
      throw new ModelArtifactError(
        'checksum_mismatch',
        `the manifest names weight files ${named.join(', ')} but model.json reads ${paths.join(', ')}`,
      );
  }
  const recorded = new Map(manifest.files?.weights.map((file) => [file.path, file]));
  const checked = new Map<string, Buffer>();
  const weights: ArtifactFile[] = [];
  for (const name of paths) {
    const bytes = await readInsideFolder(folder, name);
    const expected = recorded.get(name);
    if (expected) verifyFile(expected, bytes, where);
    checked.set(name, bytes);
    weights.push(expected ?? describeFile(name, bytes));
  }
  const files = manifest.files ?? { modelJson: describeFile(MODEL_JSON_FILE, modelJsonBytes), weights };
  const handler: tf.io.IOHandler = {
    load: () => decodeModelArtifacts(modelJson, async (name) => checked.get(name) as Buffer, where),
  };
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(handler);
  } catch (error) {
    if (error instanceof ModelArtifactError) throw error;
    throw new ModelArtifactError(
      'invalid_model_json',
      `the model does not build: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  try {
    checkModelMatchesManifest(model, manifest);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, manifest: { ...manifest, files }, filesRecorded: manifest.files !== undefined };
}
