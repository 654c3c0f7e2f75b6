/**
 * @linescope/training: the pure, tested pieces of the training recipe. Seeded randomness, learning-rate
 * schedules, dataset scanning/splitting/fingerprinting, evaluation metrics and the operating threshold,
 * the training checklist's detectors, tensor augmentation and curve plots.
 */
export * from './augment';
export * from './checklist';
export * from './data';
export * from './distill';
export * from './engine';
export * from './metrics';
export * from './plots';
export * from './random';
export * from './schedules';
