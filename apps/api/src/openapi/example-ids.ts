/**
 * Fixed ids the OpenAPI examples use in paths and bodies. The examples test seeds a database in which each of
 * these exists, then sends every documented example to the running server, so no example can be wrong.
 */
export const EXAMPLE_IDS = {
  line: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1001',
  camera: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1002',
  cameraKey: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1003',
  inspection: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1004',
  review: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1005',
  /** A ready model version, the one in production. */
  model: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1006',
  /** A second ready version, a candidate (compare, shadow, promote). */
  candidateModel: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1007',
  /** The int8 variant quantised from the production version (its accuracy change was measured). */
  int8Model: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c100b',
  trainingJob: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1008',
  labelSet: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c1009',
  /** A user other than the caller (role changes, password reset, disable). */
  user: '0f1d5a52-6a1e-4c55-9b1a-3f5e2a0c100a',
} as const;
