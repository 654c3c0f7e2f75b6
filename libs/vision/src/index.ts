/**
 * @linescope/vision: TensorFlow.js backends and training kernels, the lectures' model zoo, serving graphs,
 * the one preprocessing path, model artifacts and explanations. Apps import sub-folders
 * (`@linescope/vision/preprocess`, ...) to load only what they use.
 */
export * from './artifacts';
export * from './backend';
export * from './explain';
export * from './layers';
export * from './models';
export * from './onnx';
export * from './preprocess';
export * from './pretrained';
export * from './serving';
export * from './test-time';
