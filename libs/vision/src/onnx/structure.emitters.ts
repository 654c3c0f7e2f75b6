import type * as tfl from '@tensorflow/tfjs-layers';

import { type ExportContext, type ExportedValue, UnsupportedLayerError } from './export.context';
import { intAttr } from './onnx-graph.builder';

const MERGE_OPS: Readonly<Record<string, string>> = {
  Add: 'Add',
  Multiply: 'Mul',
  Maximum: 'Max',
  Minimum: 'Min',
  Average: 'Add',
};

/** Add / Multiply / Maximum / Minimum / Average / Subtract of same-shape inputs, in a shared layout. */
function emitMerge(context: ExportContext, layer: tfl.layers.Layer, inputs: ExportedValue[]): ExportedValue {
  const className = layer.getClassName();
  const values = inputs.map((input) => context.preferred(input));
  const { graph } = context;
  const chain = (opType: string, base: string): string =>
    values
      .slice(1)
      .reduce(
        (left, right, index) =>
          graph.node(opType, [left, right.name], index === values.length - 2 ? base : `${base}_${index}`),
        values[0].name,
      );
  let name: string;
  if (className === 'Subtract') {
    if (values.length !== 2) throw new UnsupportedLayerError(layer, 'Subtract takes two inputs');
    name = graph.node('Sub', [values[0].name, values[1].name], layer.name);
  } else if (className === 'Average') {
    name = graph.node(
      'Mul',
      [chain('Add', `${layer.name}_sum`), context.scalar(1 / values.length)],
      layer.name,
    );
  } else {
    name = chain(MERGE_OPS[className], layer.name);
  }
  return { ...values[0], name };
}

/** Keras axis (negative allowed) of a rank-4 NHWC tensor → its NCHW axis. */
function nchwAxis(axis: number): number {
  const positive = axis < 0 ? axis + 4 : axis;
  return [0, 2, 3, 1][positive];
}

function emitConcatenate(
  context: ExportContext,
  layer: tfl.layers.Layer,
  inputs: ExportedValue[],
): ExportedValue {
  const axis = Number(layer.getConfig().axis ?? -1);
  const values = inputs.map((input) => context.preferred(input));
  const [first] = values;
  const onnxAxis = first.layout === 'nchw' ? nchwAxis(axis) : axis;
  const name = context.graph.node(
    'Concat',
    values.map((value) => value.name),
    layer.name,
    { axis: intAttr(onnxAxis) },
  );
  return { ...first, name };
}

/** Reshape works on the Keras (NHWC) order; the batch dimension is copied (0) so it stays dynamic. */
function emitReshape(context: ExportContext, layer: tfl.layers.Layer, input: ExportedValue): ExportedValue {
  const targetShape = layer.getConfig().targetShape;
  if (!Array.isArray(targetShape)) throw new UnsupportedLayerError(layer, 'no targetShape');
  const dims = targetShape.map(Number);
  const shape = context.graph.int64Initializer(`${layer.name}_shape`, [0, ...dims]);
  const name = context.graph.node('Reshape', [context.native(input), shape], layer.name);
  return { name, layout: 'native', rank: dims.length + 1 };
}

function emitFlatten(context: ExportContext, layer: tfl.layers.Layer, input: ExportedValue): ExportedValue {
  const name = context.graph.node('Flatten', [context.native(input)], layer.name, { axis: intAttr(1) });
  return { name, layout: 'native', rank: 2 };
}

/** Merge, concatenate, reshape and flatten layers; null for any other class. */
export function emitStructureLayer(
  context: ExportContext,
  layer: tfl.layers.Layer,
  inputs: ExportedValue[],
): ExportedValue | null {
  const className = layer.getClassName();
  if (className in MERGE_OPS || className === 'Subtract') return emitMerge(context, layer, inputs);
  switch (className) {
    case 'Concatenate':
      return emitConcatenate(context, layer, inputs);
    case 'Reshape':
      return emitReshape(context, layer, inputs[0]);
    case 'Flatten':
      return emitFlatten(context, layer, inputs[0]);
    default:
      return null;
  }
}
