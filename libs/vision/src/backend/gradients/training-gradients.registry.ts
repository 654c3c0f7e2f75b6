import * as tf from '@tensorflow/tfjs-core';

import { tileGradConfig } from './tile.gradient';

/** Gradients that replace tfjs-core's for every backend (see each file for why). */
export const trainingGradients: readonly tf.GradConfig[] = [tileGradConfig];

/** Registers the gradients above in place of tfjs-core's. Idempotent. */
export function registerTrainingGradients(): string[] {
  for (const gradient of trainingGradients) tf.registerGradient(gradient);
  return trainingGradients.map((gradient) => gradient.kernelName);
}
