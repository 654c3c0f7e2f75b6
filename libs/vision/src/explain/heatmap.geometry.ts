import { planResize, type ResizePolicy } from '../preprocess';
import { type Heatmap } from './explanation.types';

/** How the model input was made from an image: a `PreprocessSpec` fits. */
export interface ResizeGeometry {
  /** [height, width] of the model input. */
  inputSize: readonly [number, number];
  resize: ResizePolicy;
}

/** A resize applied to one image of known size (after EXIF orientation). */
export interface SourceGeometry extends ResizeGeometry {
  sourceWidth: number;
  sourceHeight: number;
}

/**
 * Per axis, `source = (input + shift) * scale` in continuous pixel coordinates (pixel i spans [i, i + 1)):
 * the inverse of the resize policy. `shift` adds the centre-crop offset and removes the letterbox padding.
 */
export interface AxisTransform {
  shift: number;
  scale: number;
}

export interface InputToSource {
  x: AxisTransform;
  y: AxisTransform;
}

export function inputToSource(geometry: SourceGeometry): InputToSource {
  const { sourceWidth, sourceHeight, inputSize, resize } = geometry;
  const plan = planResize(sourceWidth, sourceHeight, inputSize, resize);
  const left = (plan.crop?.left ?? 0) - (plan.placement?.left ?? 0);
  const top = (plan.crop?.top ?? 0) - (plan.placement?.top ?? 0);
  return {
    x: { shift: left, scale: sourceWidth / plan.scaledWidth },
    y: { shift: top, scale: sourceHeight / plan.scaledHeight },
  };
}

export function toSource(axis: AxisTransform, input: number): number {
  return (input + axis.shift) * axis.scale;
}

export function toInput(axis: AxisTransform, source: number): number {
  return source / axis.scale - axis.shift;
}

export interface HeatmapPeak {
  /** Column and row of the original-image pixel holding the peak. */
  x: number;
  y: number;
  /** The map's maximum (0 for a map without evidence). */
  value: number;
}

/**
 * Where a map peaks, in original-image pixels. The maximal cell (the first one on ties) is refined to
 * sub-cell precision with a parabola through it and its neighbours on each axis: a Grad-CAM grid is coarse
 * (4x4 for a 128-pixel ResNet) and one cell can span tens of original pixels. A peak in letterbox padding is
 * clamped to the nearest image pixel.
 */
export function heatmapPeak(map: Heatmap, geometry: SourceGeometry): HeatmapPeak {
  checkHeatmap(map);
  const { values, width, height } = map;
  let best = 0;
  for (let index = 1; index < values.length; index++) {
    if (values[index] > values[best]) best = index;
  }
  const row = Math.floor(best / width);
  const column = best % width;
  const at = (r: number, c: number): number => values[r * width + c];
  const dx =
    column > 0 && column < width - 1
      ? parabolaOffset(at(row, column - 1), at(row, column), at(row, column + 1))
      : 0;
  const dy =
    row > 0 && row < height - 1
      ? parabolaOffset(at(row - 1, column), at(row, column), at(row + 1, column))
      : 0;

  const [inputHeight, inputWidth] = geometry.inputSize;
  const transform = inputToSource(geometry);
  const sourceX = toSource(transform.x, ((column + 0.5 + dx) * inputWidth) / width);
  const sourceY = toSource(transform.y, ((row + 0.5 + dy) * inputHeight) / height);
  return {
    x: clampIndex(sourceX, geometry.sourceWidth),
    y: clampIndex(sourceY, geometry.sourceHeight),
    value: values[best],
  };
}

/** Vertex of the parabola through (-1, left), (0, centre), (1, right), within half a cell. */
export function parabolaOffset(left: number, centre: number, right: number): number {
  const curvature = left - 2 * centre + right;
  if (curvature >= 0) return 0;
  return Math.max(-0.5, Math.min(0.5, (left - right) / (2 * curvature)));
}

function clampIndex(coordinate: number, size: number): number {
  return Math.min(size - 1, Math.max(0, Math.floor(coordinate)));
}

export function checkHeatmap(map: Heatmap): void {
  const { values, width, height } = map;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`heatmap size must be positive integers, got ${width}x${height}`);
  }
  if (values.length !== width * height) {
    throw new RangeError(`heatmap has ${values.length} values for ${width}x${height}`);
  }
}
