import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** The dense layers that produce the model's outputs (the classifier heads). */
export function classifierHeads(model: tfl.LayersModel): tfl.layers.Layer[] {
  return model.outputs
    .map((output) => output.sourceLayer)
    .filter((layer) => layer.getClassName() === 'Dense');
}

/**
 * Scales the heads' kernels by `scale` and zeroes their biases, so a fresh model starts with logits near 0 and a
 * loss near ln(C), as the checklist's first check expects: the zoo's He-initialised heads start confident and
 * wrong. Returns the names of the layers changed; scale 1 changes nothing.
 */
export function scaleClassifierHeads(
  model: tfl.LayersModel,
  scale: number,
  except: ReadonlySet<string> = new Set(),
): string[] {
  if (scale === 1) return [];
  const changed: string[] = [];
  for (const layer of classifierHeads(model)) {
    if (except.has(layer.name)) continue;
    const [kernel, ...rest] = layer.getWeights();
    const scaled = tf.tidy(() => [tf.mul(kernel, scale), ...rest.map((bias) => tf.zerosLike(bias))]);
    layer.setWeights(scaled);
    tf.dispose(scaled);
    changed.push(layer.name);
  }
  return changed;
}
