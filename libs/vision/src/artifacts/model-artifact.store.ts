import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
// Registers the zoo's custom layers (FastBatchNorm, the ViT's token layers) so saved models deserialize.
import '../models';
import { assertValidKey, ObjectNotFoundError, type ObjectStore } from '@linescope/storage';
import { ModelArtifactError } from './model-artifact.error';
import {
  checkManifestInput,
  MODEL_MANIFEST_SCHEMA_VERSION,
  type ModelManifest,
  type ModelManifestInput,
  parseModelManifest,
} from './model-manifest.schema';
import { DiskFolderModelHandler } from './disk-folder.io-handler';
import { normalizeModelPrefix, ObjectStoreModelHandler } from './object-store.io-handler';

export const MANIFEST_FILE = 'manifest.json';

/** Where a model version lives: `models/<versionId>/`. */
export function modelVersionPrefix(versionId: string): string {
  assertValidKey(versionId);
  if (versionId.includes('/'))
    throw new RangeError(`version id ${JSON.stringify(versionId)} must not contain '/'`);
  return `models/${versionId}/`;
}

function describeShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((dim) => (dim === null ? 'null' : String(dim))).join(', ')}]`;
}

/**
 * The model must be the one the manifest describes: an RGB input of `inputSize` (when the model fixes it) and
 * one output unit per class name on its first output.
 */
export function checkModelMatchesManifest(
  model: tfl.LayersModel,
  manifest: Pick<ModelManifest, 'inputSize' | 'classNames'>,
): void {
  const inputShape = model.inputs[0]?.shape ?? [];
  const [, height, width, channels] = inputShape;
  const [expectedHeight, expectedWidth] = manifest.inputSize;
  const sizeDiffers =
    (height !== null && height !== undefined && height !== expectedHeight) ||
    (width !== null && width !== undefined && width !== expectedWidth);
  if (inputShape.length !== 4 || sizeDiffers || (channels !== null && channels !== 3)) {
    throw new ModelArtifactError(
      'model_mismatch',
      `model input ${describeShape(inputShape)} does not take [${expectedHeight}, ${expectedWidth}, 3] images`,
    );
  }
  const outputShape = model.outputs[0]?.shape ?? [];
  const units = outputShape[outputShape.length - 1];
  if (units !== manifest.classNames.length) {
    throw new ModelArtifactError(
      'model_mismatch',
      `model output ${describeShape(outputShape)} does not have one unit per class (${manifest.classNames.length})`,
    );
  }
}

/**
 * Saves a model version: `weights.bin`, `model.json`, then `manifest.json` with their sha256. The manifest is
 * written last, so a prefix without one is an unfinished save (a retry overwrites it); a prefix with one is a
 * published version and is never overwritten.
 */
export async function saveModelArtifact(
  store: ObjectStore,
  prefix: string,
  model: tfl.LayersModel,
  input: ModelManifestInput,
): Promise<ModelManifest> {
  const base = normalizeModelPrefix(prefix);
  checkManifestInput(input);
  checkModelMatchesManifest(model, input);
  if (await store.exists(base + MANIFEST_FILE)) {
    throw new ModelArtifactError('already_exists', `${base} already holds a published model`);
  }

  const handler = new ObjectStoreModelHandler(store, base);
  await model.save(handler);
  const files = handler.savedFiles;
  if (files === null) throw new Error('model.save returned without writing files');

  const manifest: ModelManifest = parseModelManifest(
    JSON.parse(
      JSON.stringify({
        schemaVersion: MODEL_MANIFEST_SCHEMA_VERSION,
        ...input,
        createdAt: input.createdAt ?? new Date().toISOString(),
        files,
      }),
    ),
  );
  await store.put(base + MANIFEST_FILE, Buffer.from(JSON.stringify(manifest, null, 2), 'utf8'), {
    contentType: 'application/json',
  });
  return manifest;
}

/** Reads and validates `<prefix>manifest.json`. */
export async function readManifest(store: ObjectStore, prefix: string): Promise<ModelManifest> {
  const base = normalizeModelPrefix(prefix);
  let bytes: Buffer;
  try {
    bytes = await store.get(base + MANIFEST_FILE);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) {
      throw new ModelArtifactError('missing_object', `${base} has no ${MANIFEST_FILE}`, { cause: error });
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ModelArtifactError('invalid_manifest', `${base}${MANIFEST_FILE} is not valid JSON`, {
      cause: error,
    });
  }
  return parseModelManifest(parsed);
}

/**
 * Loads a model version, verifying every file against the manifest's sha256 before tfjs reads it.
 * Custom layer classes (e.g. the ViT's) must be registered, i.e. the zoo imported, before calling.
 */
export async function loadModelArtifact(
  store: ObjectStore,
  prefix: string,
): Promise<{ model: tfl.LayersModel; manifest: ModelManifest }> {
  const manifest = await readManifest(store, prefix);
  const model = await tfl.loadLayersModel(new ObjectStoreModelHandler(store, prefix, manifest.files));
  return { model, manifest };
}

/** A model artifact folder on disk (manifest.json, model.json, weights), e.g. one `npm run train` wrote. */
export async function loadModelFolder(
  folder: string,
): Promise<{ model: tfl.LayersModel; manifest: ModelManifest }> {
  const manifest = parseModelManifest(JSON.parse(await readFile(path.join(folder, MANIFEST_FILE), 'utf8')));
  const model = await tfl.loadLayersModel(new DiskFolderModelHandler(folder));
  return { model, manifest };
}
