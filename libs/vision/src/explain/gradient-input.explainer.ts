import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { checkInput, combineLogits, resolveClasses, selectedLogitSum } from './explain.inputs';
import { type ClassSelection, type Explanation } from './explanation.types';
import { normalizeMaps, readMaps } from './saliency.normalize';

function forwardLogits(model: tfl.LayersModel, images: tf.Tensor4D): tf.Tensor2D {
  const outputs = model.apply(images, { training: false }) as tf.Tensor | tf.Tensor[];
  return combineLogits(Array.isArray(outputs) ? outputs : [outputs]);
}

/**
 * Gradient x input (Shrikumar et al., 2016) summed over colour channels, positive part, min-max normalised,
 * at the model's input resolution. Needs no layer structure, so it explains any model, the ViT included
 * (attention-free). The products are relative to a zero input, i.e. the normalisation's mean colour.
 */
export function gradientTimesInput(
  model: tfl.LayersModel,
  input: tf.Tensor4D,
  classIndex: ClassSelection,
): Explanation {
  checkInput(model, input);
  const [maps, logits, classes] = tf.tidy(() => {
    const logits = forwardLogits(model, input);
    const classes = resolveClasses(classIndex, logits);
    const gradients = tf.grad((images: tf.Tensor) =>
      selectedLogitSum(forwardLogits(model, images as tf.Tensor4D), classes),
    )(input);
    const maps = normalizeMaps(tf.relu(tf.sum<tf.Tensor3D>(tf.mul(gradients, input), 3)));
    return [maps, logits, classes] as const;
  });
  try {
    return {
      method: 'gradient-x-input',
      maps: readMaps(maps),
      height: maps.shape[1],
      width: maps.shape[2],
      layerName: 'input',
      classIndices: classes,
      logits: logits.arraySync(),
    };
  } finally {
    tf.dispose([maps, logits]);
  }
}
