import { type NormalizationFamily } from '../preprocess/pixel.normalization';
export type Arch = 'mobilenetv2' | 'resnet' | 'vit';

/** Kernel initialisation of every convolution / dense layer of a model. */
export type InitScheme = 'he' | 'xavier' | 'small-random' | 'zeros';

/** Which pixel preprocessing a family was designed (and pretrained) with. */
/** Which normalisation a family's models expect: the preprocessing library's own family names. */
export type PreprocessingFamily = Exclude<NormalizationFamily, 'unit'>;

/** Square side in pixels, or [height, width]. */
export type InputSize = number | readonly [number, number];

interface CommonSpec {
  numClasses: number;
  inputSize?: InputSize;
  /** Dropout rate right before the classifier; 0 leaves the layer out. */
  dropout?: number;
  init?: InitScheme;
  /**
   * Seeds every weight initialiser, so a spec and seed always give the same starting weights. Dropout masks stay
   * random (a seeded tfjs dropout layer would draw the same mask at every step).
   */
  seed?: number;
  /** Model name; defaults to the architecture name. */
  name?: string;
}

export type MobileNetV2Alpha = 0.35 | 0.5 | 0.75 | 1.0;

export interface MobileNetV2Spec extends CommonSpec {
  arch: 'mobilenetv2';
  alpha?: MobileNetV2Alpha;
}

/**
 * Global pooling before the classifier. 'avg' (the papers') averages the evidence over the whole image; 'max'
 * keeps the strongest location, for defects that cover a few pixels of a large part, which averaging dilutes.
 */
export type GlobalPooling = 'avg' | 'max';

export type ResNetDepth = 10 | 18 | 34 | 50;

export interface ResNetSpec extends CommonSpec {
  arch: 'resnet';
  depth: ResNetDepth;
  /** false removes every skip connection: the plain deep network of He et al. */
  residual?: boolean;
  /** Channels of the stem and of the first stage (torchvision: 64). */
  width?: number;
  /** How the last feature map becomes one vector; default 'avg' (torchvision). */
  pooling?: GlobalPooling;
}

export interface ViTSpec extends CommonSpec {
  arch: 'vit';
  patchSize?: number;
  dim?: number;
  depth?: number;
  heads?: number;
  mlpRatio?: number;
  /** DeiT distillation token: adds a second (distillation) head and output. */
  distillationToken?: boolean;
}

export type ModelSpec = MobileNetV2Spec | ResNetSpec | ViTSpec;
