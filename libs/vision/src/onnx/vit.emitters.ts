import type * as tfl from '@tensorflow/tfjs-layers';

import { weightByRole } from '../serving/layer.inspect';
import { type ExportContext, type ExportedValue, floatValues, UnsupportedLayerError } from './export.context';
import { intAttr, intsAttr } from './onnx-graph.builder';

function weightOrThrow(layer: tfl.layers.Layer, role: string): Float32Array {
  const weight = weightByRole(layer, role);
  if (weight === null) throw new UnsupportedLayerError(layer, `has no '${role}' weight`);
  return floatValues(weight);
}

function lastDim(layer: tfl.layers.Layer): number {
  const input = Array.isArray(layer.input) ? layer.input[0] : layer.input;
  const dim = input.shape[input.shape.length - 1];
  if (dim == null) throw new UnsupportedLayerError(layer, 'the feature dimension must be known');
  return dim;
}

/**
 * LayerNormalization over the last axis, decomposed into opset-13 ops in the order ORT's LayerNormFusion
 * recognises (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add): it runs as one fused kernel.
 */
function emitLayerNorm(context: ExportContext, layer: tfl.layers.Layer, input: ExportedValue): ExportedValue {
  const config = layer.getConfig();
  const axes: unknown[] = Array.isArray(config.axis) ? config.axis : [config.axis];
  const axis = Number(axes[0]);
  if (axes.length !== 1 || (axis !== -1 && axis !== input.rank - 1)) {
    throw new UnsupportedLayerError(layer, 'layer norm over the last axis only');
  }
  const epsilon = typeof config.epsilon === 'number' ? config.epsilon : 1e-3;
  const { graph } = context;
  const base = layer.name;
  const x = context.native(input);
  const reduce = { axes: intsAttr([-1]), keepdims: intAttr(1) };
  const mean = graph.node('ReduceMean', [x], `${base}_mean`, reduce);
  const centred = graph.node('Sub', [x, mean], `${base}_centred`);
  const squared = graph.node('Pow', [centred, context.scalar(2)], `${base}_squared`);
  const variance = graph.node('ReduceMean', [squared], `${base}_variance`, reduce);
  const std = graph.node(
    'Sqrt',
    [graph.node('Add', [variance, context.scalar(epsilon)], `${base}_var_eps`)],
    `${base}_std`,
  );
  let name = graph.node('Div', [centred, std], `${base}_normalized`);
  const dim = lastDim(layer);
  if (config.scale !== false) {
    const gamma = graph.floatInitializer(`${base}_gamma`, weightOrThrow(layer, 'gamma'), [dim]);
    name = graph.node('Mul', [name, gamma], config.center === false ? base : `${base}_scaled`);
  }
  if (config.center !== false) {
    const beta = graph.floatInitializer(`${base}_beta`, weightOrThrow(layer, 'beta'), [dim]);
    name = graph.node('Add', [name, beta], base);
  }
  return { name, layout: 'native', rank: input.rank };
}

/** Scaled dot-product attention on a packed [batch, tokens, 3 * dim] q/k/v tensor (MultiHeadSelfAttention). */
function emitSelfAttention(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
): ExportedValue {
  const heads = Number(layer.getConfig().numHeads);
  const dim = lastDim(layer) / 3;
  const headDim = dim / heads;
  if (!Number.isInteger(headDim))
    throw new UnsupportedLayerError(layer, `${dim} features over ${heads} heads`);
  const { graph } = context;
  const base = layer.name;
  const split = graph.int64Initializer(`${base}_split`, [dim, dim, dim]);
  const [q, k, v] = graph.nodeWithOutputs('Split', [context.native(input), split], `${base}_qkv`, 3, {
    axis: intAttr(2),
  });
  // 0 copies the batch and token dimensions, so both stay whatever the input has.
  const headShape = graph.int64Initializer(`${base}_head_shape`, [0, 0, heads, headDim]);
  const toHeads = (value: string, perm: number[], what: string): string =>
    graph.node(
      'Transpose',
      [graph.node('Reshape', [value, headShape], `${base}_${what}_split`)],
      `${base}_${what}`,
      {
        perm: intsAttr(perm),
      },
    );
  const queries = graph.node(
    'Mul',
    [toHeads(q, [0, 2, 1, 3], 'q'), context.scalar(1 / Math.sqrt(headDim))],
    `${base}_q_scaled`,
  );
  const keysTransposed = toHeads(k, [0, 2, 3, 1], 'k');
  const values = toHeads(v, [0, 2, 1, 3], 'v');
  const scores = graph.node('MatMul', [queries, keysTransposed], `${base}_scores`);
  const weights = graph.node('Softmax', [scores], `${base}_weights`, { axis: intAttr(-1) });
  const context4d = graph.node('MatMul', [weights, values], `${base}_context`);
  const merged = graph.node('Transpose', [context4d], `${base}_context_t`, { perm: intsAttr([0, 2, 1, 3]) });
  const outShape = graph.int64Initializer(`${base}_out_shape`, [0, 0, dim]);
  return { name: graph.node('Reshape', [merged, outShape], base), layout: 'native', rank: 3 };
}

/** Learned tokens [1, k, dim] broadcast over the batch and prepended to the sequence. */
function emitPrependTokens(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
): ExportedValue {
  const numTokens = Number(layer.getConfig().numTokens);
  const dim = lastDim(layer);
  const { graph } = context;
  const base = layer.name;
  const x = context.native(input);
  const tokens = graph.floatInitializer(`${base}_tokens`, weightOrThrow(layer, 'tokens'), [
    1,
    numTokens,
    dim,
  ]);
  const batch = graph.node(
    'Gather',
    [graph.node('Shape', [x], `${base}_shape`), graph.int64Initializer(`${base}_batch_axis`, [0])],
    `${base}_batch`,
    {
      axis: intAttr(0),
    },
  );
  const shape = graph.node(
    'Concat',
    [batch, graph.int64Initializer(`${base}_token_dims`, [numTokens, dim])],
    `${base}_tile_shape`,
    {
      axis: intAttr(0),
    },
  );
  const tiled = graph.node('Expand', [tokens, shape], `${base}_tiled`);
  return { name: graph.node('Concat', [tiled, x], base, { axis: intAttr(1) }), layout: 'native', rank: 3 };
}

function emitPositionEmbedding(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
): ExportedValue {
  const values = weightOrThrow(layer, 'pos_embed');
  const dim = lastDim(layer);
  const embedding = context.graph.floatInitializer(`${layer.name}_embedding`, values, [
    1,
    values.length / dim,
    dim,
  ]);
  return {
    name: context.graph.node('Add', [context.native(input), embedding], layer.name),
    layout: 'native',
    rank: 3,
  };
}

/** One token of [batch, tokens, dim]: a Gather with a scalar index drops the token axis. */
function emitTokenSelect(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
): ExportedValue {
  const index = context.graph.int64Initializer(`${layer.name}_index`, [Number(layer.getConfig().index)], []);
  const name = context.graph.node('Gather', [context.native(input), index], layer.name, { axis: intAttr(1) });
  return { name, layout: 'native', rank: 2 };
}

/** The ViT's layers (layer norm and the zoo's custom layers); null for any other class. */
export function emitTransformerLayer(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
): ExportedValue | null {
  switch (layer.getClassName()) {
    case 'LayerNormalization':
      return emitLayerNorm(context, layer, input);
    case 'MultiHeadSelfAttention':
      return emitSelfAttention(context, layer, input);
    case 'PrependTokens':
      return emitPrependTokens(context, layer, input);
    case 'PositionEmbedding':
      return emitPositionEmbedding(context, layer, input);
    case 'TokenSelect':
      return emitTokenSelect(context, layer, input);
    default:
      return null;
  }
}
