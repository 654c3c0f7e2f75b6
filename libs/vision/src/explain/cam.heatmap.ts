import { type Heatmap } from './explanation.types';

/** Class activation maps of a batch as the serving graphs return them: [batch, h, w, classes], row-major. */
export interface ClassActivationMaps {
  values: Float32Array;
  height: number;
  width: number;
  classes: number;
}

/**
 * One image's heatmap for one class from the raw class activation maps, through Grad-CAM's ReLU and min-max
 * normalisation (a map with no positive evidence is all zeros): for a GAP → dense head, Grad-CAM's map itself.
 */
export function camHeatmap(maps: ClassActivationMaps, imageIndex: number, classIndex: number): Heatmap {
  const { height, width, classes } = maps;
  const size = height * width;
  if (classIndex < 0 || classIndex >= classes) throw new RangeError(`no class ${classIndex} of ${classes}`);
  if (maps.values.length < (imageIndex + 1) * size * classes) throw new RangeError(`no map ${imageIndex}`);
  const values = new Float32Array(size);
  const offset = imageIndex * size * classes;
  let min = Infinity;
  let max = -Infinity;
  for (let cell = 0; cell < size; cell++) {
    const value = Math.max(0, maps.values[offset + cell * classes + classIndex]);
    values[cell] = value;
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  const range = max - min;
  for (let cell = 0; cell < size; cell++) values[cell] = range > 0 ? (values[cell] - min) / range : 0;
  return { values, height, width };
}
