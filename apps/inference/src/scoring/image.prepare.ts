import {
  decodeImage,
  normalizePixels,
  parsePreprocessSpec,
  type PreprocessSpec,
  resizeRgb,
} from '@linescope/vision/preprocess';

/** A model input made from image bytes, with the time each stage took. */
export interface PreparedImage {
  /** HWC float32, `height * width * 3` values. */
  input: Float32Array;
  spec: PreprocessSpec;
  /** The image as decoded (after EXIF orientation). */
  width: number;
  height: number;
  decodeMs: number;
  /** Resize and normalisation. */
  preprocessMs: number;
}

/**
 * The steps of `preprocess` from libs/vision (decode, resize policy, normalisation), called one by one so that
 * decoding and the rest are timed apart; the result is the very tensor `preprocess` gives (a test holds both to
 * equality). `maxPixels` applies when the spec sets none.
 */
export async function prepareImage(
  bytes: Buffer,
  spec: PreprocessSpec,
  maxPixels?: number,
): Promise<PreparedImage> {
  const checked = parsePreprocessSpec(spec);
  const started = performance.now();
  const decoded = await decodeImage(bytes, { maxPixels: checked.maxPixels ?? maxPixels });
  const decodedAt = performance.now();
  const resized = await resizeRgb(decoded, checked.inputSize, checked.resize);
  const input = normalizePixels(resized.data, checked.normalization);
  return {
    input,
    spec: checked,
    width: decoded.width,
    height: decoded.height,
    decodeMs: decodedAt - started,
    preprocessMs: performance.now() - decodedAt,
  };
}

/** Two specs that produce the same tensor from the same bytes. */
export function sameInput(a: PreprocessSpec, b: PreprocessSpec): boolean {
  return (
    a.inputSize[0] === b.inputSize[0] &&
    a.inputSize[1] === b.inputSize[1] &&
    a.resize === b.resize &&
    a.normalization === b.normalization &&
    a.maxPixels === b.maxPixels
  );
}
