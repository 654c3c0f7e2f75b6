import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { type GraphNode, type LayerGraph } from './layer.graph';
import { INFERENCE_IDENTITY_LAYERS, ownActivationOf, weightByRole } from './layer.inspect';

/** The graph output name of the class activation maps, in ONNX exports and serving results. */
export const CAM_OUTPUT = 'cam';

/**
 * A classifier head whose class activation map (Zhou et al., 2016) is exact: the last feature map A, global
 * average pooling, (dropout,) one linear dense layer producing the logits. Then logit_c = sum_k w_kc mean(A_k) + b_c,
 * so d logit_c / dA_k is w_kc / (h w) everywhere, and Grad-CAM's map is ReLU(sum_k w_kc A_k) up to that positive
 * factor: the CAM, which the forward pass already has. A max-pooled head or a ViT has no such identity.
 */
export interface CamHead {
  /** Symbolic id of the 4-D feature map the global average pooling reads. */
  featureId: number;
  /** Its [h, w]: the size of each class activation map. */
  featureSize: [number, number];
  /** The classifier dense layer, whose kernel [channels, classes] weights the feature maps. */
  dense: tfl.layers.Layer;
}

/** The head's class activation maps [batch, h, w, classes] from the features [batch, h, w, channels]. */
export function classActivationMaps(features: tf.Tensor4D, kernel: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = features.shape;
    const maps = tf.matMul(tf.reshape(features, [batch * height * width, channels]), kernel);
    return tf.reshape(maps, [batch, height, width, kernel.shape[1]]);
  });
}

/** The CAM head of a single-output model, or null when its head is not GAP → dense (see `CamHead`). */
export function camHeadOf(graph: LayerGraph): CamHead | null {
  if (graph.outputIds.length !== 1) return null;
  const producers = new Map<number, GraphNode>(graph.nodes.map((node) => [node.outputId, node]));
  const dense = producers.get(graph.outputIds[0]);
  if (
    dense === undefined ||
    dense.layer.getClassName() !== 'Dense' ||
    ownActivationOf(dense.layer) !== 'linear' ||
    weightByRole(dense.layer, 'kernel') === null
  )
    return null;
  let node = producers.get(dense.inputIds[0]);
  while (node !== undefined && INFERENCE_IDENTITY_LAYERS.has(node.layer.getClassName())) {
    node = producers.get(node.inputIds[0]);
  }
  if (node === undefined || node.layer.getClassName() !== 'GlobalAveragePooling2D') return null;
  const pooled = graph.consumers.get(node.outputId) ?? [];
  // The pooled vector must feed the classifier only (directly or through dropout), or the identity breaks.
  if (pooled.length !== 1 || node.inputIds.length !== 1) return null;
  const [, height, width] = (node.layer.input as tfl.SymbolicTensor).shape;
  if (height == null || width == null) return null;
  return { featureId: node.inputIds[0], featureSize: [height, width], dense: dense.layer };
}

/** The classifier's kernel [channels, classes] as it is stored (not a copy). */
export function camKernelOf(head: CamHead): tf.Tensor2D {
  return weightByRole(head.dense, 'kernel') as tf.Tensor2D;
}
