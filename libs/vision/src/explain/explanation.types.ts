/** One saliency map: row-major `height x width` values in [0, 1] over the whole model input. */
export interface Heatmap {
  values: Float32Array;
  height: number;
  width: number;
}

export type ExplanationMethod = 'grad-cam' | 'gradient-x-input';

/** The explanation of one prediction per image of a batch. */
export interface Explanation {
  method: ExplanationMethod;
  /** One map per image, row-major `height x width`, each normalised to [0, 1] (all zeros: no evidence). */
  maps: Float32Array[];
  height: number;
  width: number;
  /** The layer whose output was explained ('input' for gradient x input). */
  layerName: string;
  /** The class explained for each image. */
  classIndices: number[];
  /** Inference-mode logits per image (the mean of both heads for a distilled ViT). */
  logits: number[][];
}

/** A class for every image, one class for all, or each image's own top class. */
export type ClassSelection = number | readonly number[] | 'predicted';

export function heatmapOf(explanation: Explanation, index: number): Heatmap {
  const values = explanation.maps.at(index);
  if (values === undefined) {
    throw new RangeError(`no map ${index}; the explanation has ${explanation.maps.length}`);
  }
  return { values, height: explanation.height, width: explanation.width };
}
