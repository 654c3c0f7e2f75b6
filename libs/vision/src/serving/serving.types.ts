import type * as tf from '@tensorflow/tfjs-core';

/** Activations the fused kernels apply in place (a subset of tfjs' fused activations). */
export type FusedActivation = 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid';

export interface ServingSummary {
  /** Conv2D / DepthwiseConv2D / Dense layers executed as one fused kernel each. */
  fusedLayers: number;
  /** Batch norms folded into the preceding layer's weights. */
  foldedBatchNorms: number;
  /** Activation layers absorbed into the preceding fused kernel. */
  fusedActivations: number;
  /** Layers skipped at inference (dropout). */
  skippedLayers: number;
  /** Class names of the layers still executed as they are, in execution order. */
  layersRunAsIs: string[];
}

/** One forward pass: the logits, and the class activation maps when the head has them. */
export interface ServingOutputs {
  logits: tf.Tensor2D;
  /** [batch, h, w, classes]: the last feature maps weighted by each class's classifier weights; not normalised. */
  cam: tf.Tensor4D | null;
}

export interface ServingModel {
  /** Logits for an NHWC float32 batch; a two-output (DeiT) model returns the mean of both heads. */
  predict(images: tf.Tensor4D): tf.Tensor2D;
  /** The logits and, for a global-average-pooled CNN (`hasCam`), its class activation maps, from one pass. */
  predictWithCam(images: tf.Tensor4D): ServingOutputs;
  /** Whether the head is GAP → dense, so `predictWithCam` returns maps (equal to Grad-CAM after its ReLU). */
  readonly hasCam: boolean;
  readonly summary: ServingSummary;
  /** Frees the folded weights. Layers run as they are still read their weights from the source model. */
  dispose(): void;
}
