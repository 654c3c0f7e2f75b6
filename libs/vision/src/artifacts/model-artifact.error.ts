/**
 * Why a stored model could not be saved or loaded. Loading failures mean the stored artifact cannot be trusted:
 * the caller must not fall back to a partially loaded model.
 */
export type ModelArtifactErrorCode =
  | 'invalid_manifest'
  | 'unsupported_schema_version'
  | 'missing_object'
  | 'checksum_mismatch'
  | 'invalid_model_json'
  | 'already_exists'
  | 'model_mismatch';

export class ModelArtifactError extends Error {
  constructor(
    readonly code: ModelArtifactErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelArtifactError';
  }
}
