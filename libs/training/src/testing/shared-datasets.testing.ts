import path from 'node:path';

/** Repository root, computed from this file's place in libs/training/src/testing. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

/** Read-only real datasets kept beside the repository (never copied into it). */
export const SHARED_DATASETS = path.resolve(REPO_ROOT, '..', 'shared', 'datasets');
export const MAGNETIC_TILE = path.join(SHARED_DATASETS, 'magnetic-tile');
export const NEU_CLS = path.join(SHARED_DATASETS, 'neu-cls');
