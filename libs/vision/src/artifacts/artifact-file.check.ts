import { ModelArtifactError } from './model-artifact.error';
import { type ArtifactFile } from './model-manifest.schema';
import { sha256 } from './model-json.codec';

export function describeFile(path: string, bytes: Buffer): ArtifactFile {
  return { path, sha256: sha256(bytes), bytes: bytes.length };
}

/** Throws `checksum_mismatch` unless `bytes` are exactly the file the manifest recorded. */
export function verifyFile(expected: ArtifactFile, bytes: Buffer, where: string): void {
  if (bytes.length !== expected.bytes) {
    throw new ModelArtifactError(
      'checksum_mismatch',
      `${where}${expected.path} is ${bytes.length} bytes, the manifest recorded ${expected.bytes}: corrupted or replaced`,
    );
  }
  const actual = sha256(bytes);
  if (actual !== expected.sha256) {
    throw new ModelArtifactError(
      'checksum_mismatch',
      `${where}${expected.path} has sha256 ${actual}, the manifest recorded ${expected.sha256}: corrupted or replaced`,
    );
  }
}
