import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Layer = tfl.layers.Layer;

export interface TrainableSummary {
  trainable: string[];
  frozen: string[];
}

/**
 * Sets `trainable` on each top-level layer from `predicate` (a nested model counts as one layer and passes the
 * flag to all its layers).
 *
 * Two tfjs facts to keep in mind:
 * - a compiled model keeps the trainable weights it had at `compile()`: compile again after changing them;
 * - unlike Keras, tfjs' own frozen BatchNormalization layer still uses batch statistics and updates its moving
 *   mean and variance when called with `training: true` (as `fit` does); the zoo's FastBatchNorm does not: frozen,
 *   it runs in inference mode.
 */
export function setTrainable(
  model: tfl.LayersModel,
  predicate: (layer: Layer, index: number) => boolean,
): TrainableSummary {
  const summary: TrainableSummary = { trainable: [], frozen: [] };
  model.layers.forEach((layer, index) => {
    layer.trainable = predicate(layer, index);
    (layer.trainable ? summary.trainable : summary.frozen).push(layer.name);
  });
  return summary;
}

/**
 * Freezes every top-level layer up to `layerName` (included unless `inclusive: false`) and unfreezes the rest:
 * the usual "train only the head" or "fine-tune the last blocks" split.
 */
export function freezeUpTo(
  model: tfl.LayersModel,
  layerName: string,
  options: { inclusive?: boolean } = {},
): TrainableSummary {
  const boundary = model.layers.findIndex((layer) => layer.name === layerName);
  if (boundary === -1)
    throw new RangeError(`model ${model.name} has no layer named ${JSON.stringify(layerName)}`);
  const lastFrozen = options.inclusive === false ? boundary - 1 : boundary;
  return setTrainable(model, (_, index) => index > lastFrozen);
}

export type TransferSkipReason = 'not_in_source' | 'ambiguous_name' | 'class_mismatch' | 'shape_mismatch';

export interface TransferReport {
  /** Target layers whose weights were all copied, with how many weight tensors each. */
  copied: Array<{ layer: string; weights: number }>;
  /** Target layers left as they were, and why. */
  skipped: Array<{ layer: string; reason: TransferSkipReason; detail: string }>;
  /** Source layers with weights that no target layer took. */
  unusedSource: string[];
}

/** Layers that own weights, looking inside nested models. */
function weightedLayers(model: tfl.LayersModel): Layer[] {
  return model.layers.flatMap((layer) =>
    layer instanceof tfl.LayersModel ? weightedLayers(layer) : layer.weights.length > 0 ? [layer] : [],
  );
}

const shapeText = (weights: readonly { shape: readonly (number | null)[] }[]): string =>
  weights.map((weight) => `[${weight.shape.join(',')}]`).join(' ');

/**
 * Copies weights from `source` into `target` layer by layer, matching layers by name (nested models are searched)
 * and copying a layer only when its class and every weight shape match. Nothing is partially copied within a
 * layer. Returns what was copied and what was skipped, so a caller can assert the backbone fully transferred.
 */
export function transferWeightsByName(source: tfl.LayersModel, target: tfl.LayersModel): TransferReport {
  const sourceByName = new Map<string, Layer[]>();
  for (const layer of weightedLayers(source)) {
    sourceByName.set(layer.name, [...(sourceByName.get(layer.name) ?? []), layer]);
  }
  const report: TransferReport = { copied: [], skipped: [], unusedSource: [] };
  const used = new Set<string>();

  for (const layer of weightedLayers(target)) {
    const candidates = sourceByName.get(layer.name) ?? [];
    const from = candidates[0];
    const skip = (reason: TransferSkipReason, detail: string) =>
      report.skipped.push({ layer: layer.name, reason, detail });
    if (from === undefined) {
      skip('not_in_source', 'no layer of that name in the source');
      continue;
    }
    if (candidates.length > 1) {
      skip('ambiguous_name', `${candidates.length} source layers share the name`);
      continue;
    }
    if (!sameKind(from.getClassName(), layer.getClassName())) {
      skip('class_mismatch', `source is ${from.getClassName()}, target is ${layer.getClassName()}`);
      continue;
    }
    const fromWeights: tf.Tensor[] = from.getWeights();
    const sameShapes =
      fromWeights.length === layer.weights.length &&
      fromWeights.every((weight, index) => weight.shape.join(',') === layer.weights[index].shape.join(','));
    if (!sameShapes) {
      skip('shape_mismatch', `source ${shapeText(fromWeights)}, target ${shapeText(layer.weights)}`);
      continue;
    }
    // getWeights returns the source's live variables: setWeights copies their values, so nothing is disposed here.
    layer.setWeights(fromWeights);
    used.add(layer.name);
    report.copied.push({ layer: layer.name, weights: fromWeights.length });
  }
  report.unusedSource = [...sourceByName.keys()].filter((name) => !used.has(name));
  return report;
}

/** Keras' BatchNormalization and the zoo's FastBatchNorm hold the same four weights in the same order. */
const INTERCHANGEABLE = [new Set(['BatchNormalization', 'FastBatchNorm'])];

function sameKind(source: string, target: string): boolean {
  return source === target || INTERCHANGEABLE.some((group) => group.has(source) && group.has(target));
}
