import type * as tfl from '@tensorflow/tfjs-layers';

import { type ExportContext, type ExportedValue, UnsupportedLayerError } from './export.context';
import { floatAttr, intAttr } from './onnx-graph.builder';

function clip(
  context: ExportContext,
  input: ExportedValue,
  base: string,
  min: number,
  max: number,
): ExportedValue {
  const name = context.graph.node('Clip', [input.name, context.scalar(min), context.scalar(max)], base);
  return { ...input, name };
}

function unary(context: ExportContext, opType: string, input: ExportedValue, base: string): ExportedValue {
  return { ...input, name: context.graph.node(opType, [input.name], base) };
}

/** x * Φ(x) with the exact normal CDF, as tfjs' 'gelu'; ORT fuses this pattern into one Gelu kernel. */
function gelu(context: ExportContext, input: ExportedValue, base: string): ExportedValue {
  const { graph } = context;
  const scaled = graph.node('Div', [input.name, context.scalar(Math.SQRT2)], `${base}_div`);
  const erf = graph.node('Erf', [scaled], `${base}_erf`);
  const shifted = graph.node('Add', [erf, context.scalar(1)], `${base}_add`);
  const product = graph.node('Mul', [input.name, shifted], `${base}_mul`);
  return { ...input, name: graph.node('Mul', [product, context.scalar(0.5)], base) };
}

function softmax(context: ExportContext, input: ExportedValue, base: string): ExportedValue {
  const name = context.graph.node('Softmax', [context.native(input)], base, { axis: intAttr(-1) });
  return { ...input, name, layout: 'native' };
}

/**
 * A Keras activation by its tfjs name ('relu', 'gelu', ...) applied to `input`. Element-wise ones keep the
 * input's layout; softmax works on the last Keras axis.
 */
export function emitActivation(
  context: ExportContext,
  layer: tfl.layers.Layer,
  activation: string,
  input: ExportedValue,
  base: string,
): ExportedValue {
  const { graph } = context;
  switch (activation) {
    case 'linear':
      return input;
    case 'relu':
      return unary(context, 'Relu', input, base);
    case 'relu6':
      return clip(context, input, base, 0, 6);
    case 'sigmoid':
      return unary(context, 'Sigmoid', input, base);
    case 'tanh':
      return unary(context, 'Tanh', input, base);
    case 'elu':
      return unary(context, 'Elu', input, base);
    case 'selu':
      return unary(context, 'Selu', input, base);
    case 'softplus':
      return unary(context, 'Softplus', input, base);
    case 'softsign':
      return unary(context, 'Softsign', input, base);
    case 'hardSigmoid':
      return {
        ...input,
        name: graph.node('HardSigmoid', [input.name], base, { alpha: floatAttr(0.2), beta: floatAttr(0.5) }),
      };
    case 'swish': {
      const gate = graph.node('Sigmoid', [input.name], `${base}_sigmoid`);
      return { ...input, name: graph.node('Mul', [input.name, gate], base) };
    }
    case 'mish': {
      const softplus = graph.node('Softplus', [input.name], `${base}_softplus`);
      const gate = graph.node('Tanh', [softplus], `${base}_tanh`);
      return { ...input, name: graph.node('Mul', [input.name, gate], base) };
    }
    case 'gelu':
      return gelu(context, input, base);
    case 'softmax':
      return softmax(context, input, base);
    default:
      throw new UnsupportedLayerError(layer, `activation '${activation}' has no ONNX mapping here`);
  }
}

/** The activation name a layer's `activation` config holds ('linear' when absent). */
export function activationNameOf(layer: tfl.layers.Layer): string {
  const activation: unknown = layer.getConfig().activation;
  if (activation === undefined || activation === null) return 'linear';
  if (typeof activation !== 'string')
    throw new UnsupportedLayerError(layer, 'activation is not a plain name');
  return activation;
}

/** ReLU / LeakyReLU / ELU / Softmax / Activation layers; null for any other class. */
export function emitActivationLayer(
  context: ExportContext,
  layer: tfl.layers.Layer,
  input: ExportedValue,
): ExportedValue | null {
  const config = layer.getConfig();
  switch (layer.getClassName()) {
    case 'Activation':
      return emitActivation(context, layer, activationNameOf(layer), input, layer.name);
    case 'ReLU':
      return typeof config.maxValue === 'number'
        ? clip(context, input, layer.name, 0, config.maxValue)
        : unary(context, 'Relu', input, layer.name);
    case 'LeakyReLU': {
      const alpha = typeof config.alpha === 'number' ? config.alpha : 0.3;
      return {
        ...input,
        name: context.graph.node('LeakyRelu', [input.name], layer.name, { alpha: floatAttr(alpha) }),
      };
    }
    case 'ELU': {
      const alpha = typeof config.alpha === 'number' ? config.alpha : 1;
      return {
        ...input,
        name: context.graph.node('Elu', [input.name], layer.name, { alpha: floatAttr(alpha) }),
      };
    }
    case 'Softmax': {
      const axis = config.axis;
      if (axis !== -1 && axis !== input.rank - 1)
        throw new UnsupportedLayerError(layer, 'softmax on the last axis only');
      return softmax(context, input, layer.name);
    }
    default:
      return null;
  }
}
