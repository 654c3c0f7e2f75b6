import { DiskFolderModelHandler } from '../artifacts';
import { NsfwjsMobileNetSource, type NsfwjsMobileNetSourceOptions } from './nsfwjs-mobilenet.source';

/**
 * Writes nsfwjs' bundled Keras MobileNetV2 (see nsfwjs-mobilenet.source.ts) as a plain tfjs model folder
 * (model.json + weights.bin), which the training engine takes as `fineTune.pretrained: { kind: 'folder', path }`.
 *
 * An exporter rather than an nsfwjs kind in the training config: nsfwjs is a devDependency that the trainer images
 * do not install, so a config kind would be accepted by the API and fail in production, while the folder path is
 * already the product's way in for pretrained weights. Benches and engineers export once and point at the folder.
 * The 'keras' batch-norm flavour by default, so that any tfjs loads the folder; the engine's weight transfer maps
 * its BatchNormalization layers onto the zoo's FastBatchNorm.
 */
export async function exportNsfwjsMobileNet(
  directory: string,
  options: NsfwjsMobileNetSourceOptions = {},
): Promise<void> {
  const artifacts = await new NsfwjsMobileNetSource(options).load();
  await new DiskFolderModelHandler(directory).save(artifacts);
}
