import { onnx } from 'onnx-proto';

export const TensorType = onnx.TensorProto.DataType;
export type TensorType = onnx.TensorProto.DataType;

/** An attribute value without its name; build them with `intAttr`, `intsAttr`, `floatAttr`. */
export type AttributeValue = Omit<onnx.IAttributeProto, 'name'>;

export function intAttr(value: number): AttributeValue {
  return { type: onnx.AttributeProto.AttributeType.INT, i: value };
}

export function intsAttr(values: readonly number[]): AttributeValue {
  return { type: onnx.AttributeProto.AttributeType.INTS, ints: [...values] };
}

export function floatAttr(value: number): AttributeValue {
  return { type: onnx.AttributeProto.AttributeType.FLOAT, f: value };
}

/** One dimension of a graph input / output: a size, or a symbolic name (a dynamic dimension). */
export type Dim = number | string;

export interface GraphValue {
  name: string;
  elemType: TensorType;
  /** Absent: shape unknown. */
  shape?: readonly Dim[];
}

/** Little-endian bytes of a typed array, as TensorProto.raw_data stores them. */
export function rawBytes(values: ArrayBufferView): Uint8Array {
  return new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
}

export function valueInfo({ name, elemType, shape }: GraphValue): onnx.IValueInfoProto {
  const dims = shape?.map((dim) => (typeof dim === 'number' ? { dimValue: dim } : { dimParam: dim }));
  return {
    name,
    type: { tensorType: { elemType, shape: dims === undefined ? undefined : { dim: dims } } },
  };
}

export interface ModelOptions {
  graphName: string;
  inputs: GraphValue[];
  outputs: GraphValue[];
  opset: number;
  docString?: string;
}

/** ONNX IR version matching each opset we emit (onnx/helper.py's VERSION_TABLE). */
const IR_VERSION_OF_OPSET: Readonly<Record<number, number>> = { 13: 7, 14: 7, 15: 8, 16: 8, 17: 8 };

/**
 * Accumulates the nodes and initializers of one ONNX graph. Every value name it hands out is unique, derived from
 * a readable base (the Keras layer name), so an exported graph can be read side by side with the layers model.
 */
export class OnnxGraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();

  /** Reserves `base` (or `base_1`, `base_2`...) and returns it. */
  uniqueName(base: string): string {
    let name = base;
    for (let suffix = 1; this.used.has(name); suffix++) name = `${base}_${suffix}`;
    this.used.add(name);
    return name;
  }

  /** Adds an initializer from a typed array and returns its name. */
  initializer(base: string, elemType: TensorType, values: ArrayBufferView, dims: readonly number[]): string {
    const name = this.uniqueName(base);
    this.initializers.push({ name, dataType: elemType, dims: [...dims], rawData: rawBytes(values) });
    return name;
  }

  floatInitializer(base: string, values: Float32Array | readonly number[], dims: readonly number[]): string {
    return this.initializer(base, TensorType.FLOAT, Float32Array.from(values), dims);
  }

  int64Initializer(
    base: string,
    values: readonly number[],
    dims: readonly number[] = [values.length],
  ): string {
    return this.initializer(base, TensorType.INT64, BigInt64Array.from(values.map(BigInt)), dims);
  }

  /** Adds a node with `outputCount` fresh outputs named after `base`; returns the output names. */
  nodeWithOutputs(
    opType: string,
    inputs: readonly string[],
    base: string,
    outputCount: number,
    attributes: Readonly<Record<string, AttributeValue>> = {},
  ): string[] {
    const outputs = Array.from({ length: outputCount }, (_, index) =>
      this.uniqueName(outputCount === 1 ? base : `${base}_${index}`),
    );
    this.nodes.push({
      opType,
      name: this.uniqueName(`${base}/${opType}`),
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([name, value]) => ({ name, ...value })),
    });
    return outputs;
  }

  /** Adds a single-output node; returns the output name. */
  node(
    opType: string,
    inputs: readonly string[],
    base: string,
    attributes: Readonly<Record<string, AttributeValue>> = {},
  ): string {
    return this.nodeWithOutputs(opType, inputs, base, 1, attributes)[0];
  }

  /**
   * Renames a value everywhere it is produced or read, to give a graph output its public name; `to` must have
   * been reserved and not be used by any node yet.
   */
  renameValue(from: string, to: string): void {
    const taken = this.nodes.some((node) => [...(node.input ?? []), ...(node.output ?? [])].includes(to));
    if (!this.used.has(to) || taken) throw new Error(`value name ${to} is not a free reserved name`);
    for (const node of this.nodes) {
      node.input = (node.input ?? []).map((name) => (name === from ? to : name));
      node.output = (node.output ?? []).map((name) => (name === from ? to : name));
    }
  }

  /** Keeps `name` out of generated names (graph input and output names). */
  reserve(name: string): void {
    if (this.used.has(name)) throw new Error(`value name ${name} is already taken`);
    this.used.add(name);
  }

  toModel(options: ModelOptions): onnx.ModelProto {
    const irVersion = IR_VERSION_OF_OPSET[options.opset];
    if (irVersion === undefined) throw new Error(`opset ${options.opset} is not supported by the exporter`);
    return onnx.ModelProto.create({
      irVersion,
      producerName: 'linescope',
      opsetImport: [{ domain: '', version: options.opset }],
      docString: options.docString,
      graph: {
        name: options.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: options.inputs.map(valueInfo),
        output: options.outputs.map(valueInfo),
      },
    });
  }
}

export function encodeModel(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}
