import * as tf from '@tensorflow/tfjs-core';
import { decodeImage } from './image.decoder';
import { normalizePixels } from './pixel.normalization';
import { type PreprocessSpec, parsePreprocessSpec } from './preprocess-spec.schema';
import { resizeRgb } from './resize.policy';

/**
 * The one path from image bytes to model input, shared by training and inference:
 * decode (any format, to RGB) → resize policy → normalisation. Resizing always starts from fully decoded pixels
 * (never sharp's shrink-on-load), so a JPEG and a BMP of the same pixels give the same tensor.
 * Returns float32 HWC, length `h * w * 3`.
 */
export async function preprocess(bytes: Buffer, spec: PreprocessSpec): Promise<Float32Array> {
  const checked = parsePreprocessSpec(spec);
  const decoded = await decodeImage(bytes, { maxPixels: checked.maxPixels });
  const resized = await resizeRgb(decoded, checked.inputSize, checked.resize);
  return normalizePixels(resized.data, checked.normalization);
}

/** Images decoded at once by a batch: bounds peak memory (each full-size decode is held until resized). */
const BATCH_CONCURRENCY = 4;

/**
 * Preprocesses several images into one NHWC float32 batch. Each image goes through `preprocess`; a failure on
 * any image rejects the whole batch with that image's `ImageDecodeError`.
 */
export async function preprocessBatch(images: readonly Buffer[], spec: PreprocessSpec): Promise<tf.Tensor4D> {
  const checked = parsePreprocessSpec(spec);
  const [height, width] = checked.inputSize;
  const imageSize = height * width * 3;
  const batch = new Float32Array(images.length * imageSize);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < images.length) {
      const index = next;
      next += 1;
      batch.set(await preprocess(images[index], checked), index * imageSize);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, images.length) }, worker));
  return tf.tensor4d(batch, [images.length, height, width, 3], 'float32');
}
