import { ObjectNotFoundError, type ObjectStore } from '@linescope/storage';

import { describeFile, verifyFile } from '../artifacts/artifact-file.check';
import { MANIFEST_FILE } from '../artifacts/model-artifact.store';
import { ModelArtifactError } from '../artifacts/model-artifact.error';
import { type ArtifactFile } from '../artifacts/model-manifest.schema';
import { normalizeModelPrefix } from '../artifacts/object-store.io-handler';

export const ONNX_FILE = 'model.onnx';

export interface SavedOnnxArtifact {
  /** Object key of the file: the manifest's `onnxKey`. */
  key: string;
  /** Name, sha256 and size, as the manifest records its other files. */
  file: ArtifactFile;
}

/**
 * Writes `<prefix>model.onnx` beside the tfjs files of a model version. A published manifest is never rewritten,
 * so this must run before `saveModelArtifact`, whose input then carries the returned key as `onnxKey`.
 */
export async function saveOnnxArtifact(
  store: ObjectStore,
  prefix: string,
  bytes: Uint8Array,
): Promise<SavedOnnxArtifact> {
  const base = normalizeModelPrefix(prefix);
  if (await store.exists(base + MANIFEST_FILE)) {
    throw new ModelArtifactError(
      'already_exists',
      `${base} already holds a published model; its manifest cannot gain an onnxKey`,
    );
  }
  const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const key = base + ONNX_FILE;
  await store.put(key, body, { contentType: 'application/octet-stream' });
  return { key, file: describeFile(ONNX_FILE, body) };
}

/**
 * Reads an ONNX file by key. With `expected` (size and sha256 recorded at save time), refuses bytes that differ:
 * a corrupted or replaced model must never be served.
 */
export async function loadOnnxArtifact(
  store: ObjectStore,
  key: string,
  expected?: Pick<ArtifactFile, 'sha256' | 'bytes'>,
): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = await store.get(key);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) {
      throw new ModelArtifactError('missing_object', `${key} does not exist`, { cause: error });
    }
    throw error;
  }
  if (expected !== undefined) verifyFile({ path: key, ...expected }, bytes, '');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
