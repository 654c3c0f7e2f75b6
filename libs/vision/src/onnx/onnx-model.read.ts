import { onnx } from 'onnx-proto';

import { TensorType } from './onnx-graph.builder';

/** An int64 field: protobufjs decodes them as Long objects when the `long` package is present, else numbers. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return 0;
  const long = value as { toNumber?: unknown };
  if (typeof long.toNumber === 'function') return Number((long.toNumber as () => unknown).call(value));
  throw new TypeError(`expected an int64 value, got ${typeof value}`);
}

export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  const model = onnx.ModelProto.decode(bytes);
  if (model.graph === null || model.graph === undefined) throw new Error('the ONNX model has no graph');
  return model;
}

/** The model's graph, which `decodeModel` guarantees. */
export function graphOf(model: onnx.IModelProto): onnx.IGraphProto {
  if (model.graph === null || model.graph === undefined) throw new Error('the ONNX model has no graph');
  return model.graph;
}

export function dimsOf(tensor: onnx.ITensorProto): number[] {
  return (tensor.dims ?? []).map(toNumber);
}

/** The values of a float32 initializer, from raw_data or float_data. */
export function floatValuesOf(tensor: onnx.ITensorProto): Float32Array {
  if (tensor.dataType !== TensorType.FLOAT) throw new Error(`initializer ${tensor.name} is not float32`);
  const raw = tensor.rawData;
  if (raw !== null && raw !== undefined && raw.length > 0) {
    // A copy (Buffer#slice would not be one): raw_data is a possibly unaligned view into the model's bytes.
    return new Float32Array(new Uint8Array(raw).buffer);
  }
  return Float32Array.from(tensor.floatData ?? []);
}

export function attributeOf(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((attribute) => attribute.name === name);
}

export function intAttributeOf(node: onnx.INodeProto, name: string, fallback: number): number {
  const attribute = attributeOf(node, name);
  return attribute === undefined ? fallback : toNumber(attribute.i);
}

export function floatAttributeOf(node: onnx.INodeProto, name: string, fallback: number): number {
  const attribute = attributeOf(node, name);
  return attribute === undefined ? fallback : (attribute.f ?? fallback);
}

/** [height, width, channels] of the NHWC image input (the first graph input). */
export function imageInputShape(model: onnx.IModelProto): [number, number, number] {
  const input = graphOf(model).input?.[0];
  const dims = input?.type?.tensorType?.shape?.dim ?? [];
  const sizes = dims.slice(1).map((dim) => toNumber(dim.dimValue));
  if (dims.length !== 4 || sizes.some((size) => size <= 0)) {
    throw new Error(
      `expected an NHWC input with static height, width and channels, got ${input?.name ?? 'none'}`,
    );
  }
  return [sizes[0], sizes[1], sizes[2]];
}

/** How many nodes of each op type a model has (e.g. to see what a quantised graph contains). */
export function countOpTypes(bytes: Uint8Array): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of graphOf(decodeModel(bytes)).node ?? []) {
    const opType = node.opType ?? '';
    counts[opType] = (counts[opType] ?? 0) + 1;
  }
  return counts;
}
