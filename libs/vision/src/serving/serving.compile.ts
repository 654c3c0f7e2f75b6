import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { foldBatchNorm } from './batchnorm.fold';
import { camHeadOf, camKernelOf, classActivationMaps } from './cam.head';
import { convGeometryOf, fusedOp, type Op } from './fused.ops';
import { type GraphNode, type LayerGraph, layerGraph, soleConsumer } from './layer.graph';
import {
  INFERENCE_IDENTITY_LAYERS,
  activationLayerKind,
  batchNormParamsOf,
  kernelLayoutOf,
  ownActivationOf,
  weightByRole,
} from './layer.inspect';
import { type ServingModel, type ServingOutputs, type ServingSummary } from './serving.types';

interface Step {
  inputIds: number[];
  outputId: number;
  op: Op;
}

interface Fusion {
  step: Step;
  absorbed: tfl.layers.Layer[];
  foldedBatchNorm: boolean;
  fusedActivation: boolean;
  /** Tensors the step owns (folded or copied weights). */
  weights: tf.Tensor[];
}

/** conv / depthwise / dense, then an optional batch norm folded into it, then an optional activation fused. */
function planFusion(graph: LayerGraph, node: GraphNode, inputIds: number[]): Fusion | null {
  const { layer } = node;
  const layout = kernelLayoutOf(layer);
  let activation = ownActivationOf(layer);
  const kernel = weightByRole(layer, layout === 'depthwise' ? 'depthwise_kernel' : 'kernel');
  const geometry = layout === 'dense' ? null : convGeometryOf(layer);
  if (layout === null || activation === null || kernel === null || geometry === undefined) {
    return null;
  }
  const bias = weightByRole(layer, 'bias') as tf.Tensor1D | null;
  const absorbed: tfl.layers.Layer[] = [];
  let tail = node;

  const batchNormNode = activation === 'linear' ? soleConsumer(graph, tail.outputId) : undefined;
  const batchNorm = batchNormNode === undefined ? null : batchNormParamsOf(batchNormNode.layer);
  const weights =
    batchNorm === null || batchNormNode === undefined
      ? { kernel: tf.clone(kernel), bias: bias === null ? null : tf.clone(bias) }
      : foldBatchNorm(kernel, bias, batchNorm, layout);
  if (batchNorm !== null && batchNormNode !== undefined) {
    absorbed.push(batchNormNode.layer);
    tail = batchNormNode;
  }

  const activationNode = activation === 'linear' ? soleConsumer(graph, tail.outputId) : undefined;
  const activationKind = activationNode === undefined ? null : activationLayerKind(activationNode.layer);
  if (activationKind !== null && activationNode !== undefined) {
    activation = activationKind;
    absorbed.push(activationNode.layer);
    tail = activationNode;
  }

  return {
    step: { inputIds, outputId: tail.outputId, op: fusedOp({ layout, ...weights, activation, geometry }) },
    absorbed,
    foldedBatchNorm: batchNorm !== null,
    fusedActivation: activationKind !== null,
    weights: weights.bias === null ? [weights.kernel] : [weights.kernel, weights.bias],
  };
}

/** Runs a layer as it is, in inference mode. */
function asIs(layer: tfl.layers.Layer): Op {
  return (inputs) => {
    const output = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false });
    if (!(output instanceof tf.Tensor)) {
      throw new Error(`layer ${layer.name} did not return one tensor`);
    }
    // A layer may hand back its input; the executor disposes inputs, so give the output its own handle.
    return inputs.includes(output) ? tf.clone(output) : output;
  };
}

function averageOutputs(outputs: tf.Tensor[]): tf.Tensor {
  return outputs.length === 1 ? outputs[0] : tf.div(tf.addN(outputs), outputs.length);
}

/**
 * Compiles a trained layers model into an inference function: every batch norm that follows a conv,
 * depthwise conv or dense layer is folded into its weights, and the following ReLU / ReLU6 is fused, so each
 * such group runs as one tf.fused kernel. Other layers (pooling, adds, layer norm, attention...) run as they
 * are. A model with [class, distillation] outputs (DeiT) serves the mean of both. A global-average-pooled CNN
 * also serves its class activation maps (`cam.head.ts`) from the same pass, on request.
 */
export function compileForServing(model: tfl.LayersModel): ServingModel {
  const graph = layerGraph(model);
  if (graph.outputIds.length > 2) {
    throw new Error(
      `serving supports one output or [class, distillation] outputs, got ${graph.outputIds.length}`,
    );
  }
  const summary: ServingSummary = {
    fusedLayers: 0,
    foldedBatchNorms: 0,
    fusedActivations: 0,
    skippedLayers: 0,
    layersRunAsIs: [],
  };
  const owned: tf.Tensor[] = [];
  const steps: Step[] = [];
  const alias = new Map<number, number>();
  const resolve = (id: number): number => alias.get(id) ?? id;
  const absorbed = new Set<tfl.layers.Layer>();

  for (const node of graph.nodes) {
    if (absorbed.has(node.layer)) continue;
    const inputIds = node.inputIds.map(resolve);
    const className = node.layer.getClassName();
    if (INFERENCE_IDENTITY_LAYERS.has(className)) {
      alias.set(node.outputId, inputIds[0]);
      summary.skippedLayers++;
      continue;
    }
    const fusion = planFusion(graph, node, inputIds);
    if (fusion === null) {
      steps.push({ inputIds, outputId: node.outputId, op: asIs(node.layer) });
      summary.layersRunAsIs.push(className);
      continue;
    }
    steps.push(fusion.step);
    owned.push(...fusion.weights);
    fusion.absorbed.forEach((layer) => absorbed.add(layer));
    summary.fusedLayers++;
    summary.foldedBatchNorms += fusion.foldedBatchNorm ? 1 : 0;
    summary.fusedActivations += fusion.fusedActivation ? 1 : 0;
  }

  const head = camHeadOf(graph);
  const cam =
    head === null ? null : { featureId: resolve(head.featureId), kernel: tf.clone(camKernelOf(head)) };
  if (cam !== null) owned.push(cam.kernel);
  return servingModel(steps, graph.inputId, graph.outputIds.map(resolve), summary, owned, cam);
}

function servingModel(
  steps: Step[],
  inputId: number,
  outputIds: number[],
  summary: ServingSummary,
  owned: tf.Tensor[],
  cam: { featureId: number; kernel: tf.Tensor2D } | null,
): ServingModel {
  const keep = new Set([inputId, ...outputIds, ...(cam === null ? [] : [cam.featureId])]);
  const uses = new Map<number, number>();
  for (const id of steps.flatMap((step) => step.inputIds)) {
    uses.set(id, (uses.get(id) ?? 0) + 1);
  }
  let disposed = false;

  const run = (images: tf.Tensor4D, withCam: boolean): ServingOutputs => {
    if (disposed) throw new Error('this serving model has been disposed');
    const [logits, maps] = tf.tidy((): tf.Tensor[] => {
      const values = new Map<number, tf.Tensor>([[inputId, images]]);
      const remaining = new Map(uses);
      for (const step of steps) {
        const inputs = step.inputIds.map((id) => {
          const value = values.get(id);
          if (value === undefined) throw new Error(`serving graph: tensor ${id} is not computed yet`);
          return value;
        });
        values.set(step.outputId, step.op(inputs));
        // Free activations as soon as their last reader has run, to keep peak memory at one layer's width.
        for (const id of step.inputIds) {
          const left = (remaining.get(id) ?? 1) - 1;
          remaining.set(id, left);
          if (left === 0 && !keep.has(id)) {
            values.get(id)?.dispose();
            values.delete(id);
          }
        }
      }
      const logits = averageOutputs(outputIds.map((id) => values.get(id) as tf.Tensor));
      if (!withCam || cam === null) return [logits];
      return [logits, classActivationMaps(values.get(cam.featureId) as tf.Tensor4D, cam.kernel)];
    });
    return { logits: logits as tf.Tensor2D, cam: (maps as tf.Tensor4D | undefined) ?? null };
  };

  return {
    predict: (images) => run(images, false).logits,
    predictWithCam: (images) => run(images, true),
    hasCam: cam !== null,
    summary,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      tf.dispose(owned);
    },
  };
}
