import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { checkInput, combineLogits, resolveClasses, selectedLogitSum } from './explain.inputs';
import { type ClassSelection, type Explanation } from './explanation.types';
import { modelGraph, runNodes, splitAt, type GraphNode } from './model.graph';
import { normalizeMaps, readMaps } from './saliency.normalize';
import { selectTargetLayer } from './target-layer.select';

export interface GradCamOptions {
  /** Layer whose 4-D output is explained; default: the feature map the last global pooling reads. */
  layerName?: string;
}

/**
 * Grad-CAM (Selvaraju et al., 2017) for each image of a batch: the target feature map A is weighted per
 * channel by the spatial mean of d(class logit)/dA, summed over channels, passed through ReLU and min-max
 * normalised. The model is split at A: everything that does not depend on A runs once, and the layers that do
 * are re-applied in graph order to A (skip connections from earlier tensors read their computed values), so
 * residual and other branching graphs are handled. Runs in inference mode and keeps no tensors.
 */
export function gradCam(
  model: tfl.LayersModel,
  input: tf.Tensor4D,
  classIndex: ClassSelection,
  options: GradCamOptions = {},
): Explanation {
  checkInput(model, input);
  const graph = modelGraph(model);
  const target = selectTargetLayer(graph, options.layerName);
  const { before, after } = splitAt(graph, target.tensorId);

  const [cams, logits, classes] = tf.tidy(() => {
    const computed = new Map<number, tf.Tensor>([[graph.inputId, input]]);
    runNodes(before, computed);
    const features = computed.get(target.tensorId) as tf.Tensor4D;
    const head = (featureMap: tf.Tensor4D): tf.Tensor2D =>
      headLogits(after, computed, target.tensorId, featureMap, graph.outputIds);

    const logits = head(features);
    const classes = resolveClasses(classIndex, logits);
    const gradients = tf.grad((featureMap: tf.Tensor) =>
      selectedLogitSum(head(featureMap as tf.Tensor4D), classes),
    )(features);
    const channelWeights = tf.mean(gradients, [1, 2], true);
    const cams = normalizeMaps(tf.relu(tf.sum<tf.Tensor3D>(tf.mul(features, channelWeights), 3)));
    return [cams, logits, classes] as const;
  });
  try {
    return {
      method: 'grad-cam',
      maps: readMaps(cams),
      height: cams.shape[1],
      width: cams.shape[2],
      layerName: target.layerName,
      classIndices: classes,
      logits: logits.arraySync(),
    };
  } finally {
    tf.dispose([cams, logits]);
  }
}

/** Logits from a substitute value of one tensor; tensors computed before it are read as constants. */
function headLogits(
  after: readonly GraphNode[],
  computed: ReadonlyMap<number, tf.Tensor>,
  tensorId: number,
  value: tf.Tensor,
  outputIds: readonly number[],
): tf.Tensor2D {
  const values = new Map(computed);
  values.set(tensorId, value);
  runNodes(after, values);
  return combineLogits(outputIds.map((id) => values.get(id) as tf.Tensor));
}
