export { decodeBmp, readBmpHeader, type BmpHeader } from './bmp.decoder';
export { ImageDecodeError, isImageDecodeError, type ImageDecodeErrorCode } from './image-decode.error';
export {
  IMAGE_FORMATS,
  IMAGE_FORMAT_MEDIA_TYPES,
  imageFormatFromMediaType,
  sniffImageFormat,
  type ImageFormat,
} from './image-format.sniff';
export {
  ALPHA_BACKGROUND,
  DEFAULT_MAX_PIXELS,
  decodeImage,
  type DecodedImage,
  type DecodeOptions,
} from './image.decoder';
export {
  NORMALIZATION_FAMILIES,
  NORMALIZATIONS,
  normalizePixels,
  type ChannelStats,
  type NormalizationFamily,
} from './pixel.normalization';
export {
  InvalidPreprocessSpecError,
  MAX_INPUT_SIDE,
  inputShapeOf,
  parsePreprocessSpec,
  preprocessSpecSchema,
  type PreprocessSpec,
} from './preprocess-spec.schema';
export { preprocess, preprocessBatch } from './preprocess.pipeline';
export {
  LETTERBOX_PAD_VALUE,
  RESIZE_KERNEL,
  RESIZE_POLICIES,
  planResize,
  resizeRgb,
  type Rect,
  type ResizePlan,
  type ResizePolicy,
} from './resize.policy';
export { type RgbImage } from './rgb-image.types';
