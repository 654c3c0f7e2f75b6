import { type Arch, type InitScheme, type InputSize, type PreprocessingFamily } from './model.types';

export interface ArchDefaults {
  /** Side of the square input the family was published with. */
  inputSize: number;
  /**
   * 'mobilenet': scale pixels to [-1, 1]; 'resnet': ImageNet mean/std;
   * 'vit': [-1, 1] as the original ViT (see preprocess/pixel.normalization.ts). Our ViTs are trained from scratch
   * or distilled here, so the choice only has to be the same in training and serving; DeiT's released weights
   * used ImageNet mean/std and would be declared 'resnet'.
   */
  preprocessing: PreprocessingFamily;
}

export const ARCH_DEFAULTS: Readonly<Record<Arch, ArchDefaults>> = {
  mobilenetv2: { inputSize: 224, preprocessing: 'mobilenet' },
  resnet: { inputSize: 224, preprocessing: 'resnet' },
  vit: { inputSize: 224, preprocessing: 'vit' },
};

export const DEFAULT_INIT: InitScheme = 'he';
export const DEFAULT_DROPOUT = 0.2;

/** DeiT-Tiny. */
export const VIT_DEFAULTS = { patchSize: 16, dim: 192, depth: 12, heads: 3, mlpRatio: 4 } as const;

export function preprocessingFamilyOf(arch: Arch): PreprocessingFamily {
  return ARCH_DEFAULTS[arch].preprocessing;
}

export function resolveInputSize(size: InputSize | undefined, arch: Arch): [number, number] {
  const resolved: readonly [number, number] =
    size === undefined
      ? [ARCH_DEFAULTS[arch].inputSize, ARCH_DEFAULTS[arch].inputSize]
      : typeof size === 'number'
        ? [size, size]
        : size;
  const [height, width] = resolved;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`input size must be positive integers, got ${height}x${width}`);
  }
  return [height, width];
}
