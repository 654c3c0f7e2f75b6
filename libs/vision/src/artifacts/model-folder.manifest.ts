import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { ModelArtifactError } from './model-artifact.error';
import { type ModelManifestWithoutFiles, parseModelManifest } from './model-manifest.schema';

/** The manifest's file name (as in model-artifact.store, kept here so this module loads no TensorFlow.js). */
export const FOLDER_MANIFEST_FILE = 'manifest.json';

/** Reads a file of the folder; a missing one is a `missing_object` naming `what`. */
export async function readOrMissing(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new ModelArtifactError('missing_object', `${what} is missing`, { cause: error });
    throw error;
  }
}

/**
 * Reads `name` (relative) from a folder to import; a missing file is a `missing_object`, and a file that lies
 * outside the folder, by its name or through a symbolic link, is refused (`invalid_model_json`).
 */
export async function readInsideFolder(folder: string, name: string): Promise<Buffer> {
  const root = await realpath(folder).catch(() => path.resolve(folder));
  const lexical = path.resolve(root, name);
  if (path.isAbsolute(name) || !lexical.startsWith(root + path.sep))
    throw new ModelArtifactError('invalid_model_json', `${JSON.stringify(name)} leaves the folder`);
  const real = await realpath(lexical).catch(() => lexical);
  if (!real.startsWith(root + path.sep))
    throw new ModelArtifactError('invalid_model_json', `${name} is a link that leads out of the folder`);
  return readOrMissing(real, name);
}

/**
 * Reads and validates `manifest.json` of a model folder to import (one `npm run train` wrote, or one written by
 * hand beside a converted tfjs LayersModel). `files` may be absent: the import then computes the digests.
 * Throws a `ModelArtifactError` that says what is wrong.
 */
export async function readFolderManifest(folder: string): Promise<ModelManifestWithoutFiles> {
  const bytes = await readInsideFolder(folder, FOLDER_MANIFEST_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ModelArtifactError('invalid_manifest', `${FOLDER_MANIFEST_FILE} is not valid JSON`, {
      cause: error,
    });
  }
  return parseModelManifest(parsed, { filesOptional: true });
}
