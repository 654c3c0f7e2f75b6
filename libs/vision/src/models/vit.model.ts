import * as tfl from '@tensorflow/tfjs-layers';

import { add, applyLayer, classifier, conv2d, type SymbolicTensor } from './conv.blocks';
import { kernelInitializer } from './kernel.initializers';
import { type InitScheme } from './model.types';
import { MultiHeadSelfAttention, PositionEmbedding, PrependTokens, TokenSelect } from './vit.layers';

export interface ViTOptions {
  patchSize: number;
  dim: number;
  depth: number;
  heads: number;
  mlpRatio: number;
  distillationToken: boolean;
  inputSize: [number, number];
  numClasses: number;
  dropout: number;
  init: InitScheme;
  name: string;
}

/** DeiT / timm layer-norm epsilon. */
const LAYER_NORM_EPSILON = 1e-6;

function layerNorm(x: SymbolicTensor, name: string): SymbolicTensor {
  return applyLayer(tfl.layers.layerNormalization({ axis: -1, epsilon: LAYER_NORM_EPSILON, name }), x);
}

function dense(x: SymbolicTensor, name: string, units: number, init: InitScheme): SymbolicTensor {
  return applyLayer(tfl.layers.dense({ name, units, kernelInitializer: kernelInitializer(init) }), x);
}

interface EncoderBlockOptions {
  prefix: string;
  dim: number;
  heads: number;
  hidden: number;
  init: InitScheme;
}

/** Pre-norm transformer block: x + MHSA(LN(x)), then x + MLP(LN(x)). */
function encoderBlock(inputs: SymbolicTensor, options: EncoderBlockOptions): SymbolicTensor {
  const { prefix, dim, heads, hidden, init } = options;
  let y = layerNorm(inputs, `${prefix}_norm1`);
  y = dense(y, `${prefix}_attn_qkv`, 3 * dim, init);
  y = applyLayer(new MultiHeadSelfAttention({ numHeads: heads, name: `${prefix}_attn` }), y);
  y = dense(y, `${prefix}_attn_proj`, dim, init);
  const attended = add([inputs, y], `${prefix}_add1`);

  y = layerNorm(attended, `${prefix}_norm2`);
  y = dense(y, `${prefix}_mlp_fc1`, hidden, init);
  y = applyLayer(tfl.layers.activation({ activation: 'gelu', name: `${prefix}_mlp_act` }), y);
  y = dense(y, `${prefix}_mlp_fc2`, dim, init);
  return add([attended, y], `${prefix}_add2`);
}

function validate(options: ViTOptions): void {
  const [height, width] = options.inputSize;
  if (height % options.patchSize !== 0 || width % options.patchSize !== 0) {
    throw new Error(`input ${height}x${width} is not divisible by patch size ${options.patchSize}`);
  }
  if (options.dim % options.heads !== 0) {
    throw new Error(`dim ${options.dim} is not divisible by ${options.heads} heads`);
  }
}

/**
 * ViT / DeiT with timm-like names ('blocks_0_attn_qkv' ↔ 'blocks.0.attn.qkv'). With a distillation token the
 * model has two outputs, [class logits, distillation logits]; average them for inference.
 */
export function buildViT(options: ViTOptions): tfl.LayersModel {
  validate(options);
  const { patchSize, dim, init, numClasses, dropout } = options;
  const [height, width] = options.inputSize;
  const numPatches = (height / patchSize) * (width / patchSize);

  const input = tfl.input({ shape: [height, width, 3], name: 'input' });
  let x = conv2d(input, {
    name: 'patch_embed_proj',
    filters: dim,
    kernelSize: patchSize,
    strides: patchSize,
    padding: 'valid',
    useBias: true,
    init,
  });
  x = applyLayer(tfl.layers.reshape({ targetShape: [numPatches, dim], name: 'patch_embed_flatten' }), x);
  const numTokens = options.distillationToken ? 2 : 1;
  x = applyLayer(new PrependTokens({ numTokens, name: 'tokens' }), x);
  x = applyLayer(new PositionEmbedding({ name: 'pos_embed' }), x);

  const hidden = Math.round(dim * options.mlpRatio);
  for (let index = 0; index < options.depth; index++) {
    x = encoderBlock(x, { prefix: `blocks_${index}`, dim, heads: options.heads, hidden, init });
  }
  x = layerNorm(x, 'norm');

  const head = (tokenIndex: number, name: string): SymbolicTensor => {
    const token = applyLayer(new TokenSelect({ index: tokenIndex, name: `${name}_token` }), x);
    return classifier(token, { name, numClasses, dropout, init });
  };
  const outputs = options.distillationToken ? [head(0, 'head'), head(1, 'head_dist')] : head(0, 'head');
  return tfl.model({ inputs: input, outputs, name: options.name });
}
