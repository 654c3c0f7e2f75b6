import type * as tfl from '@tensorflow/tfjs-layers';

/** One layer application of a functional model: symbolic tensor ids in and out. */
export interface GraphNode {
  layer: tfl.layers.Layer;
  inputIds: number[];
  outputId: number;
}

export interface LayerGraph {
  /** Every non-input layer, in an order where producers come before consumers. */
  nodes: GraphNode[];
  inputId: number;
  outputIds: number[];
  /** Nodes reading each tensor id. */
  consumers: Map<number, GraphNode[]>;
}

function ids(tensors: tfl.SymbolicTensor | tfl.SymbolicTensor[]): number[] {
  return (Array.isArray(tensors) ? tensors : [tensors]).map((tensor) => tensor.id);
}

/** The layer DAG of a single-input functional model whose layers are each applied once. */
export function layerGraph(model: tfl.LayersModel): LayerGraph {
  if (model.inputs.length !== 1) {
    throw new Error(`serving needs a single-input model, ${model.name} has ${model.inputs.length}`);
  }
  const nodes = model.layers
    .filter((layer) => layer.getClassName() !== 'InputLayer')
    .map((layer): GraphNode => {
      if (layer.inboundNodes.length !== 1) {
        throw new Error(
          `layer ${layer.name} is applied ${layer.inboundNodes.length} times; serving needs one`,
        );
      }
      const outputIds = ids(layer.output);
      if (outputIds.length !== 1) {
        throw new Error(`layer ${layer.name} has ${outputIds.length} outputs; serving needs one`);
      }
      return { layer, inputIds: ids(layer.input), outputId: outputIds[0] };
    });
  const consumers = new Map<number, GraphNode[]>();
  for (const node of nodes) {
    for (const id of node.inputIds) {
      consumers.set(id, [...(consumers.get(id) ?? []), node]);
    }
  }
  return {
    nodes,
    inputId: model.inputs[0].id,
    outputIds: model.outputs.map((output) => output.id),
    consumers,
  };
}

/** The single node reading `id`, unless the tensor is also a model output or read by several nodes. */
export function soleConsumer(graph: LayerGraph, id: number): GraphNode | undefined {
  const readers = graph.consumers.get(id) ?? [];
  return readers.length === 1 && !graph.outputIds.includes(id) ? readers[0] : undefined;
}
