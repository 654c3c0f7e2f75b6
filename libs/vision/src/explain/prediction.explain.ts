import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { isExplainError } from './explain.error';
import { type ClassSelection, type Explanation } from './explanation.types';
import { gradCam } from './grad-cam.explainer';
import { gradientTimesInput } from './gradient-input.explainer';

/** Grad-CAM for a CNN; gradient x input for a model without a pooled feature map (the ViT). */
export function explainPrediction(
  model: tfl.LayersModel,
  input: tf.Tensor4D,
  classIndex: ClassSelection,
): Explanation {
  try {
    return gradCam(model, input, classIndex);
  } catch (error) {
    if (isExplainError(error, 'cnn_only')) return gradientTimesInput(model, input, classIndex);
    throw error;
  }
}
