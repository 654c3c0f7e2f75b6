import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { ExplainError } from './explain.error';

/** One application of a layer inside a model: the symbolic tensor ids it reads and writes. */
export interface GraphNode {
  layer: tfl.layers.Layer;
  inputIds: number[];
  outputIds: number[];
}

export interface ModelGraph {
  /** Producers before consumers. */
  nodes: GraphNode[];
  inputId: number;
  outputIds: number[];
  /** Rank of every symbolic tensor (batch dimension included). */
  ranks: Map<number, number>;
}

function isInputLayer(layer: tfl.layers.Layer): boolean {
  return layer.getClassName() === 'InputLayer';
}

/**
 * The layer applications a functional model runs, found by walking back from its outputs. Following each
 * tensor's own node (not `layer.inboundNodes[0]`) keeps a layer shared with another model, or applied twice,
 * correct.
 */
export function modelGraph(model: tfl.LayersModel): ModelGraph {
  if (model.inputs.length !== 1) {
    throw new ExplainError(
      'unsupported_model',
      `explanations need a single-input model, ${model.name} has ${model.inputs.length}`,
    );
  }
  const nodes: GraphNode[] = [];
  const ranks = new Map<number, number>();
  const visited = new Set<number>();

  const visit = (tensor: tfl.SymbolicTensor): void => {
    ranks.set(tensor.id, tensor.rank);
    const layer = tensor.sourceLayer;
    if (isInputLayer(layer)) return;
    const node = layer.inboundNodes[tensor.nodeIndex];
    if (visited.has(node.id)) return;
    visited.add(node.id);
    node.inputTensors.forEach(visit);
    for (const output of node.outputTensors) ranks.set(output.id, output.rank);
    nodes.push({
      layer,
      inputIds: node.inputTensors.map((input) => input.id),
      outputIds: node.outputTensors.map((output) => output.id),
    });
  };
  model.outputs.forEach(visit);
  return { nodes, inputId: model.inputs[0].id, outputIds: model.outputs.map((output) => output.id), ranks };
}

/** Runs nodes in order in inference mode, reading and adding concrete tensors to `values` (by symbolic id). */
export function runNodes(nodes: readonly GraphNode[], values: Map<number, tf.Tensor>): void {
  for (const node of nodes) {
    const inputs = node.inputIds.map((id) => {
      const value = values.get(id);
      if (value === undefined)
        throw new Error(`layer ${node.layer.name}: input tensor ${id} was not computed`);
      return value;
    });
    const result = node.layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false });
    const outputs = Array.isArray(result) ? result : [result];
    node.outputIds.forEach((id, index) => {
      const output = outputs[index];
      if (!(output instanceof tf.Tensor)) {
        throw new Error(`layer ${node.layer.name} returned no concrete tensor for output ${index}`);
      }
      values.set(id, output);
    });
  }
}

/** Splits the nodes into those that do not depend on tensor `id` (they compute it) and those that do. */
export function splitAt(graph: ModelGraph, id: number): { before: GraphNode[]; after: GraphNode[] } {
  const dependent = new Set<number>([id]);
  const before: GraphNode[] = [];
  const after: GraphNode[] = [];
  for (const node of graph.nodes) {
    if (node.inputIds.some((input) => dependent.has(input))) {
      node.outputIds.forEach((output) => dependent.add(output));
      after.push(node);
    } else {
      before.push(node);
    }
  }
  return { before, after };
}
