import { type onnx } from 'onnx-proto';

import { TensorType } from './onnx-graph.builder';
import { dimsOf, floatAttributeOf, floatValuesOf, intAttributeOf } from './onnx-model.read';

/** A Conv / Gemm / MatMul whose weight is an initializer: quantised per output channel along `axis`. */
export interface WeightedOp {
  node: onnx.INodeProto;
  weight: onnx.ITensorProto;
  axis: number;
  bias: onnx.ITensorProto | null;
}

export interface ActivationPlan {
  /** The tensor whose calibrated range sets the parameters (itself, or the input of a pass-through op). */
  source: string;
  /** Upper end of a Clip the quantisation replaced. */
  ceiling: number;
}

export interface QuantizationPlan {
  weighted: WeightedOp[];
  /** Activations that get a QuantizeLinear → DequantizeLinear pair. */
  activations: Map<string, ActivationPlan>;
  /** Relu / Clip nodes made redundant: a uint8 range starting at 0 (and ending at most at the clip) applies them. */
  removed: Set<onnx.INodeProto>;
  /** Producer of a removed activation → the activation's output name, which it now produces directly. */
  renamed: Map<onnx.INodeProto, string>;
}

/** Ops that only move or select values: their output reuses the input's parameters, so ORT runs them on uint8. */
const PASS_THROUGH = new Set(['MaxPool', 'Flatten', 'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze']);
/** Ops ORT has uint8 kernels for (QLinearGlobalAveragePool...), needing their own output range. */
const OWN_RANGE = new Set(['GlobalAveragePool', 'AveragePool']);

interface GraphIndex {
  initializers: Map<string, onnx.ITensorProto>;
  consumers: Map<string, onnx.INodeProto[]>;
  outputs: Set<string>;
}

function indexGraph(graph: onnx.IGraphProto): GraphIndex {
  const consumers = new Map<string, onnx.INodeProto[]>();
  for (const node of graph.node ?? []) {
    for (const input of node.input ?? []) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  }
  return {
    initializers: new Map((graph.initializer ?? []).map((tensor) => [tensor.name ?? '', tensor])),
    consumers,
    outputs: new Set((graph.output ?? []).map((output) => output.name ?? '')),
  };
}

function floatInitializer(
  index: GraphIndex,
  name: string | undefined,
  rank: number,
): onnx.ITensorProto | null {
  const tensor = name === undefined ? undefined : index.initializers.get(name);
  return tensor !== undefined && tensor.dataType === TensorType.FLOAT && dimsOf(tensor).length === rank
    ? tensor
    : null;
}

function weightedOpOf(node: onnx.INodeProto, index: GraphIndex): WeightedOp | null {
  const inputs = node.input ?? [];
  switch (node.opType) {
    case 'Conv': {
      const weight = floatInitializer(index, inputs[1], 4);
      return weight === null ? null : { node, weight, axis: 0, bias: floatInitializer(index, inputs[2], 1) };
    }
    case 'Gemm': {
      const weight = floatInitializer(index, inputs[1], 2);
      const plain =
        intAttributeOf(node, 'transA', 0) === 0 &&
        floatAttributeOf(node, 'alpha', 1) === 1 &&
        floatAttributeOf(node, 'beta', 1) === 1;
      if (weight === null || !plain) return null;
      const axis = intAttributeOf(node, 'transB', 0) === 1 ? 0 : 1;
      const bias = floatInitializer(index, inputs[2], 1);
      const biasFits = bias !== null && dimsOf(bias)[0] === dimsOf(weight)[axis];
      return { node, weight, axis, bias: biasFits ? bias : null };
    }
    case 'MatMul': {
      const weight = floatInitializer(index, inputs[1], 2);
      return weight === null ? null : { node, weight, axis: 1, bias: null };
    }
    default:
      return null;
  }
}

function scalarValue(index: GraphIndex, name: string | undefined): number | null {
  const tensor = floatInitializer(index, name, 0);
  return tensor === null ? null : floatValuesOf(tensor)[0];
}

/** The upper bound a Relu / Clip(0, max) applies, when a uint8 range from 0 can replace it; else null. */
function removableActivationCeiling(node: onnx.INodeProto, index: GraphIndex): number | null {
  if (node.opType === 'Relu') return Infinity;
  if (node.opType !== 'Clip') return null;
  const [, min, max] = node.input ?? [];
  if (scalarValue(index, min) !== 0) return null;
  return max === undefined || max === '' ? Infinity : scalarValue(index, max);
}

/**
 * Decides what a QDQ quantisation changes, walking the nodes in (topological) order: Conv / Gemm / MatMul with an
 * initializer weight get int8 weights, their activation input and output get uint8 QDQ pairs (a Relu / Clip(0, max)
 * reading only that output is absorbed), and Add / pooling / shape ops between quantised tensors stay quantised so
 * ORT fuses them too. Graph outputs are never quantised.
 */
export function planQuantization(graph: onnx.IGraphProto): QuantizationPlan {
  const index = indexGraph(graph);
  const plan: QuantizationPlan = {
    weighted: [],
    activations: new Map(),
    removed: new Set(),
    renamed: new Map(),
  };
  const isQuantized = (name: string): boolean => plan.activations.has(name);
  const own = (name: string, ceiling = Infinity): void => {
    plan.activations.set(name, { source: name, ceiling });
  };
  /** Quantises a compute node's output, absorbing a following Relu / Clip when it is the output's only reader. */
  const quantizeOutput = (node: onnx.INodeProto): void => {
    const output = (node.output ?? [])[0];
    if (index.outputs.has(output)) return;
    const readers = index.consumers.get(output) ?? [];
    const ceiling = readers.length === 1 ? removableActivationCeiling(readers[0], index) : null;
    const activationOutput = readers.length === 1 ? (readers[0].output ?? [])[0] : undefined;
    if (ceiling === null || activationOutput === undefined || index.outputs.has(activationOutput)) {
      own(output);
      return;
    }
    plan.removed.add(readers[0]);
    plan.renamed.set(node, activationOutput);
    own(activationOutput, ceiling);
  };

  for (const node of graph.node ?? []) {
    const inputs = node.input ?? [];
    const weighted = weightedOpOf(node, index);
    if (weighted !== null) {
      plan.weighted.push(weighted);
      if (!isQuantized(inputs[0]) && !index.initializers.has(inputs[0])) own(inputs[0]);
      quantizeOutput(node);
    } else if (node.opType === 'Add' && inputs.length === 2 && inputs.every(isQuantized)) {
      quantizeOutput(node);
    } else if (OWN_RANGE.has(node.opType ?? '') && isQuantized(inputs[0])) {
      own((node.output ?? [])[0]);
    } else if (PASS_THROUGH.has(node.opType ?? '') && isQuantized(inputs[0])) {
      const source = plan.activations.get(inputs[0]) as ActivationPlan;
      plan.activations.set((node.output ?? [])[0], source);
    }
  }
  return plan;
}
