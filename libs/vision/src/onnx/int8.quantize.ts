import { onnx } from 'onnx-proto';

import { calibrateRanges, type CalibrationOptions, type ValueRange } from './activation.calibrate';
import { intAttr, rawBytes, TensorType } from './onnx-graph.builder';
import { planQuantization, type QuantizationPlan, type WeightedOp } from './qdq.plan';
import { decodeModel, dimsOf, floatValuesOf, graphOf, toNumber } from './onnx-model.read';
import {
  biasScales,
  quantizeBias,
  quantizePerChannel,
  uint8Params,
  type Uint8Params,
} from './quantization.params';

export type QuantizeOptions = CalibrationOptions;

function nodeProto(opType: string, inputs: string[], output: string, axis?: number): onnx.INodeProto {
  return {
    opType,
    name: `${output}/${opType}`,
    input: inputs,
    output: [output],
    attribute: axis === undefined ? [] : [{ name: 'axis', ...intAttr(axis) }],
  };
}

class InitializerList {
  readonly tensors: onnx.ITensorProto[] = [];

  add(name: string, dataType: TensorType, values: ArrayBufferView, dims: readonly number[]): string {
    this.tensors.push({ name, dataType, dims: [...dims], rawData: rawBytes(values) });
    return name;
  }
}

function quantizedName(name: string): string {
  return `${name}_quantized`;
}

function dequantizedName(name: string): string {
  return `${name}_dequantized`;
}

/**
 * int8 per-channel weight (and int32 bias, in the input scale x weight scale) initializers, each read through a
 * DequantizeLinear that the op now takes as input. Returns the DequantizeLinear nodes.
 */
function quantizeWeights(
  op: WeightedOp,
  input: Uint8Params,
  initializers: InitializerList,
): onnx.INodeProto[] {
  const name = op.weight.name ?? '';
  const dims = dimsOf(op.weight);
  const { values, scales } = quantizePerChannel(floatValuesOf(op.weight), dims, op.axis);
  const channels = scales.length;
  const opInputs = op.node.input ?? [];
  const weightNode = nodeProto(
    'DequantizeLinear',
    [
      initializers.add(quantizedName(name), TensorType.INT8, values, dims),
      initializers.add(`${name}_scale`, TensorType.FLOAT, scales, [channels]),
      initializers.add(`${name}_zero_point`, TensorType.INT8, new Int8Array(channels), [channels]),
    ],
    dequantizedName(name),
    op.axis,
  );
  opInputs[1] = dequantizedName(name);
  if (op.bias === null) return [weightNode];
  const biasName = op.bias.name ?? '';
  const biasValues = quantizeBias(floatValuesOf(op.bias), input.scale, scales);
  const biasNode = nodeProto(
    'DequantizeLinear',
    [
      initializers.add(quantizedName(biasName), TensorType.INT32, biasValues, [channels]),
      initializers.add(`${biasName}_scale`, TensorType.FLOAT, biasScales(input.scale, scales), [channels]),
      initializers.add(`${biasName}_zero_point`, TensorType.INT32, new Int32Array(channels), [channels]),
    ],
    dequantizedName(biasName),
    0,
  );
  opInputs[2] = dequantizedName(biasName);
  return [weightNode, biasNode];
}

function activationParams(plan: QuantizationPlan, ranges: Map<string, ValueRange>): Map<string, Uint8Params> {
  const params = new Map<string, Uint8Params>();
  for (const { source, ceiling } of plan.activations.values()) {
    if (params.has(source)) continue;
    const range = ranges.get(source);
    if (range === undefined) throw new Error(`no calibrated range for ${source}`);
    params.set(source, uint8Params(range.min, Math.min(range.max, ceiling)));
  }
  return params;
}

/** Rebuilds the graph with QDQ pairs, in topological order: weight DQs, input QDQs, then each node and its QDQs. */
function rewriteGraph(
  graph: onnx.IGraphProto,
  plan: QuantizationPlan,
  params: Map<string, Uint8Params>,
): void {
  const initializers = new InitializerList();
  const paramNames = new Map<string, [string, string]>();
  for (const [source, { scale, zeroPoint }] of params) {
    paramNames.set(source, [
      initializers.add(`${source}_scale`, TensorType.FLOAT, Float32Array.of(scale), []),
      initializers.add(`${source}_zero_point`, TensorType.UINT8, Uint8Array.of(zeroPoint), []),
    ]);
  }
  const sourceOf = (tensor: string): string | undefined => plan.activations.get(tensor)?.source;
  const nodes: onnx.INodeProto[] = [];
  const quantizedWeights = new Set<string>();
  for (const op of plan.weighted) {
    if (quantizedWeights.has(op.weight.name ?? '')) continue;
    quantizedWeights.add(op.weight.name ?? '');
    const input = params.get(sourceOf((op.node.input ?? [])[0]) ?? '') as Uint8Params;
    nodes.push(...quantizeWeights(op, input, initializers));
  }
  const qdq = (tensor: string): onnx.INodeProto[] => {
    const source = sourceOf(tensor);
    if (source === undefined) return [];
    const [scale, zeroPoint] = paramNames.get(source) as [string, string];
    return [
      nodeProto('QuantizeLinear', [tensor, scale, zeroPoint], quantizedName(tensor)),
      nodeProto('DequantizeLinear', [quantizedName(tensor), scale, zeroPoint], dequantizedName(tensor)),
    ];
  };
  for (const input of graph.input ?? []) nodes.push(...qdq(input.name ?? ''));
  for (const node of graph.node ?? []) {
    if (plan.removed.has(node)) continue;
    node.input = (node.input ?? []).map((name) =>
      plan.activations.has(name) ? dequantizedName(name) : name,
    );
    const renamed = plan.renamed.get(node);
    if (renamed !== undefined) node.output = [renamed];
    nodes.push(node);
    for (const output of node.output ?? []) nodes.push(...qdq(output));
  }
  // Float weights now quantised, and the constants of removed Clips, are read by no node any more.
  const read = new Set(nodes.flatMap((node) => node.input ?? []));
  graph.initializer = [...(graph.initializer ?? []), ...initializers.tensors].filter((tensor) =>
    read.has(tensor.name ?? ''),
  );
  graph.node = nodes;
}

/**
 * Static int8 quantisation in QDQ form, for ONNX Runtime's CPU int8 kernels: Conv / Gemm / MatMul weights become
 * per-output-channel symmetric int8 (biases int32), and the activations around them per-tensor uint8 with ranges
 * calibrated by running the fp32 model on `calibration` (NHWC float32 batches of preprocessed images). ORT's
 * optimiser then fuses each DequantizeLinear → op → QuantizeLinear group into QLinearConv, QGemm, QLinearMatMul,
 * QLinearAdd... Relu / Clip(0, max) after a quantised op are dropped, as the uint8 range starting at 0 applies
 * them. Graph outputs (the logits) stay float.
 */
export async function quantizeOnnx(
  bytes: Uint8Array,
  calibration: readonly Float32Array[],
  options: QuantizeOptions = {},
): Promise<Uint8Array> {
  const model = decodeModel(bytes);
  const opset = (model.opsetImport ?? []).find((entry) => (entry.domain ?? '') === '');
  if (opset === undefined || toNumber(opset.version) < 13) {
    throw new Error('per-channel QDQ quantisation needs an opset >= 13 model');
  }
  const graph = graphOf(model);
  const plan = planQuantization(graph);
  if (plan.weighted.length === 0)
    throw new Error('the model has no Conv / Gemm / MatMul weights to quantise');
  const sources = [...new Set([...plan.activations.values()].map((activation) => activation.source))];
  const ranges = await calibrateRanges(model, sources, calibration, options);
  rewriteGraph(graph, plan, activationParams(plan, ranges));
  return onnx.ModelProto.encode(model).finish();
}
