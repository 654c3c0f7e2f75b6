import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { foldBatchNorm } from '../serving/batchnorm.fold';
import { CAM_OUTPUT, camHeadOf, camKernelOf, type CamHead } from '../serving/cam.head';
import { type GraphNode, type LayerGraph, layerGraph, soleConsumer } from '../serving/layer.graph';
import { batchNormParamsOf, kernelLayoutOf, weightByRole } from '../serving/layer.inspect';
import { activationNameOf, emitActivation, emitActivationLayer } from './activation.emitters';
import { emitBatchNorm, emitKernelLayer, emitSpatialLayer } from './conv.emitters';
import { ExportContext, type ExportedValue, floatValues, UnsupportedLayerError } from './export.context';
import { encodeModel, intsAttr, OnnxGraphBuilder, TensorType } from './onnx-graph.builder';
import { emitStructureLayer } from './structure.emitters';
import { emitTransformerLayer } from './vit.emitters';

/** Opset 13: per-channel DequantizeLinear, Split/Clip/Pad with tensor inputs; layer norm is decomposed. */
export const ONNX_OPSET = 13;

export interface OnnxExportOptions {
  /** Graph input: NHWC float32, [batch, height, width, channels]. Default 'input'. */
  inputName?: string;
  /** Graph output: logits [batch, classes]. Default 'logits'. */
  outputName?: string;
  /** Symbolic name of the dynamic batch dimension. Default 'batch'. */
  batchDimension?: string;
  /**
   * Also output the class activation maps `cam` [batch, h, w, classes] when the head is global average pooling →
   * dense (`cam.head.ts`). Default true; models without such a head are exported with the logits only.
   */
  cam?: boolean;
}

export interface OnnxExportSummary {
  /** [height, width, channels] of one input image. */
  inputShape: [number, number, number];
  numClasses: number;
  nodes: number;
  /** How many nodes of each ONNX op type the graph has. */
  opCounts: Record<string, number>;
  foldedBatchNorms: number;
  /** Layers that are the identity at inference (dropout...). */
  skippedLayers: number;
  /** Float parameters stored in the file (after folding). */
  parameters: number;
  /** 2 for a distilled ViT (class and distillation heads averaged), else 1. */
  averagedOutputs: number;
  /** [h, w] of the `cam` output, or null when the graph has none. */
  camSize: [number, number] | null;
}

export interface OnnxExport {
  bytes: Uint8Array;
  inputName: string;
  outputName: string;
  /** `cam` when the graph also outputs class activation maps. */
  camOutputName: string | null;
  opset: number;
  summary: OnnxExportSummary;
}

/** Layers that are the identity at inference. */
const INFERENCE_IDENTITY = new Set([
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
]);

interface Emitted {
  value: ExportedValue;
  /** Layers this step consumed besides its own (a folded batch norm). */
  absorbed: GraphNode | null;
}

function kernelOrThrow(layer: tfl.layers.Layer, role: string): tf.Tensor {
  const kernel = weightByRole(layer, role);
  if (kernel === null) throw new UnsupportedLayerError(layer, `has no '${role}' weight`);
  return kernel;
}

/** A conv / depthwise / dense layer, with the batch norm reading it (if it is the only reader) folded in. */
function emitKernelNode(
  context: ExportContext,
  graph: LayerGraph,
  node: GraphNode,
  input: ExportedValue,
): Emitted {
  const { layer } = node;
  const layout = kernelLayoutOf(layer);
  if (layout === null) throw new UnsupportedLayerError(layer, 'not a kernel layer');
  const activation = activationNameOf(layer);
  const kernel = kernelOrThrow(layer, layout === 'depthwise' ? 'depthwise_kernel' : 'kernel');
  const bias = weightByRole(layer, 'bias') as tf.Tensor1D | null;
  const next = activation === 'linear' ? soleConsumer(graph, node.outputId) : undefined;
  const batchNorm = next === undefined ? null : batchNormParamsOf(next.layer);
  if (batchNorm === null || next === undefined) {
    const value = emitKernelLayer(context, layer, input, layout, { kernel, bias });
    return { value: emitActivation(context, layer, activation, value, `${layer.name}_act`), absorbed: null };
  }
  const folded = foldBatchNorm(kernel, bias, batchNorm, layout);
  try {
    const value = emitKernelLayer(context, layer, input, layout, folded);
    return { value, absorbed: next };
  } finally {
    tf.dispose([folded.kernel, folded.bias]);
  }
}

function emitPlainLayer(
  context: ExportContext,
  layer: tfl.layers.Layer,
  inputs: ExportedValue[],
): ExportedValue {
  const [input] = inputs;
  const emitted =
    emitActivationLayer(context, layer, input) ??
    emitSpatialLayer(context, layer, input) ??
    emitStructureLayer(context, layer, inputs) ??
    emitTransformerLayer(context, layer, input);
  if (emitted !== null) return emitted;
  const batchNorm = batchNormParamsOf(layer);
  if (batchNorm !== null) return emitBatchNorm(context, layer, input, batchNorm);
  throw new UnsupportedLayerError(layer, 'no ONNX mapping for this layer class');
}

/**
 * The CAM as a 1x1 convolution of the (NCHW) feature maps by the classifier's kernel, so ORT runs it in its NCHWc
 * layout, then one transpose of the few class planes to [batch, h, w, classes].
 */
function emitCam(context: ExportContext, head: CamHead, features: ExportedValue): [number, number] {
  if (features.rank !== 4) throw new Error(`the pooled feature map ${features.name} is not 4-D`);
  const kernel = tf.tidy(() => tf.transpose(camKernelOf(head)));
  try {
    const [classes, channels] = kernel.shape;
    const weights = context.graph.floatInitializer(`${CAM_OUTPUT}_kernel`, floatValues(kernel), [
      classes,
      channels,
      1,
      1,
    ]);
    const maps = context.graph.node('Conv', [context.nchw(features), weights], `${CAM_OUTPUT}_nchw`, {
      kernel_shape: intsAttr([1, 1]),
    });
    const cam = context.native({ name: maps, layout: 'nchw', rank: 4 });
    context.graph.renameValue(cam, CAM_OUTPUT);
  } finally {
    kernel.dispose();
  }
  return head.featureSize;
}

function staticInputShape(model: tfl.LayersModel): [number, number, number] {
  const [, height, width, channels] = model.inputs[0].shape;
  if (model.inputs[0].shape.length !== 4 || height == null || width == null || channels == null) {
    throw new Error(`ONNX export needs a static NHWC image input, got [${model.inputs[0].shape.join(', ')}]`);
  }
  return [height, width, channels];
}

function countOps(builder: OnnxGraphBuilder): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of builder.nodes) counts[node.opType ?? ''] = (counts[node.opType ?? ''] ?? 0) + 1;
  return counts;
}

function parameterCount(builder: OnnxGraphBuilder): number {
  return builder.initializers
    .filter((tensor) => tensor.dataType === TensorType.FLOAT)
    .reduce((sum, tensor) => sum + (tensor.dims ?? []).reduce<number>((n, dim) => n * Number(dim), 1), 0);
}

/**
 * Exports a trained zoo model (any functional single-input image model built from the layers mapped here) to an
 * ONNX opset-13 graph: input NHWC float32 with a dynamic batch, transposed once to NCHW; batch norms folded into
 * the preceding conv / dense weights; output the logits [batch, classes] (a distilled ViT's two heads averaged,
 * as `predictLogits` does) and, for a global-average-pooled CNN, its class activation maps `cam`. Needs a tfjs
 * backend to read the weights.
 */
export function exportToOnnx(model: tfl.LayersModel, options: OnnxExportOptions = {}): OnnxExport {
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'logits';
  const graph = layerGraph(model);
  if (graph.outputIds.length > 2) {
    throw new Error(
      `export supports one output or [class, distillation] outputs, got ${graph.outputIds.length}`,
    );
  }
  const inputShape = staticInputShape(model);
  const builder = new OnnxGraphBuilder();
  builder.reserve(inputName);
  builder.reserve(outputName);
  const camHead = options.cam === false ? null : camHeadOf(graph);
  if (camHead !== null) builder.reserve(CAM_OUTPUT);
  const context = new ExportContext(builder);
  const values = new Map<number, ExportedValue>([
    [graph.inputId, { name: inputName, layout: 'native', rank: 4 }],
  ]);
  const valueOf = (id: number): ExportedValue => {
    const value = values.get(id);
    if (value === undefined) throw new Error(`tensor ${id} is read before it is computed`);
    return value;
  };
  const absorbed = new Set<tfl.layers.Layer>();
  let foldedBatchNorms = 0;
  let skippedLayers = 0;

  for (const node of graph.nodes) {
    if (absorbed.has(node.layer)) continue;
    const inputs = node.inputIds.map(valueOf);
    if (INFERENCE_IDENTITY.has(node.layer.getClassName())) {
      values.set(node.outputId, inputs[0]);
      skippedLayers++;
      continue;
    }
    if (kernelLayoutOf(node.layer) === null) {
      values.set(node.outputId, emitPlainLayer(context, node.layer, inputs));
      continue;
    }
    const emitted = emitKernelNode(context, graph, node, inputs[0]);
    values.set(node.outputId, emitted.value);
    if (emitted.absorbed !== null) {
      absorbed.add(emitted.absorbed.layer);
      values.set(emitted.absorbed.outputId, emitted.value);
      foldedBatchNorms++;
    }
  }

  const outputs = graph.outputIds.map((id) => {
    const value = valueOf(id);
    if (value.rank !== 2) throw new Error(`model output ${value.name} has rank ${value.rank}; logits need 2`);
    return value.name;
  });
  const logits =
    outputs.length === 1
      ? outputs[0]
      : builder.node(
          'Mul',
          [builder.node('Add', outputs, 'distillation_sum'), context.scalar(0.5)],
          'averaged',
        );
  if (logits === inputName) throw new Error('the model output is its input');
  builder.renameValue(logits, outputName);
  const camSize = camHead === null ? null : emitCam(context, camHead, valueOf(camHead.featureId));

  const numClasses = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (numClasses == null) throw new Error('the number of classes must be known');
  const batch = options.batchDimension ?? 'batch';
  const proto = builder.toModel({
    graphName: model.name,
    opset: ONNX_OPSET,
    inputs: [{ name: inputName, elemType: TensorType.FLOAT, shape: [batch, ...inputShape] }],
    outputs: [
      { name: outputName, elemType: TensorType.FLOAT, shape: [batch, numClasses] },
      ...(camSize === null
        ? []
        : [{ name: CAM_OUTPUT, elemType: TensorType.FLOAT, shape: [batch, ...camSize, numClasses] }]),
    ],
    docString: `exported from tfjs layers model ${model.name}`,
  });
  return {
    bytes: encodeModel(proto),
    inputName,
    outputName,
    camOutputName: camSize === null ? null : CAM_OUTPUT,
    opset: ONNX_OPSET,
    summary: {
      inputShape,
      numClasses,
      nodes: builder.nodes.length,
      opCounts: countOps(builder),
      foldedBatchNorms,
      skippedLayers,
      parameters: parameterCount(builder),
      averagedOutputs: outputs.length,
      camSize,
    },
  };
}
