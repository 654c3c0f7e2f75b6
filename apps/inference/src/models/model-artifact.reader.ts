import * as tf from '@tensorflow/tfjs-core';
import { type ObjectStore } from '@linescope/storage';
import { type ModelManifest, ObjectStoreModelHandler, readManifest } from '@linescope/vision/artifacts';
import { type ModelArtifactBytes } from '../workers/worker.protocol';

/**
 * Reads a model version once, on the main thread, verifying every file against its manifest's sha256; the
 * bytes are then copied to each worker, so N workers cost one read of the store.
 */
export async function readModelArtifact(
  store: ObjectStore,
  prefix: string,
): Promise<{ manifest: ModelManifest; artifact: ModelArtifactBytes }> {
  const manifest = await readManifest(store, prefix);
  const artifacts = await new ObjectStoreModelHandler(store, prefix, manifest.files).load();
  if (artifacts.modelTopology === undefined || artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error(`${prefix}: only layers models (JSON topology) can be served`);
  }
  const weightData = artifacts.weightData ?? new ArrayBuffer(0);
  return {
    manifest,
    artifact: {
      modelTopology: artifacts.modelTopology,
      weightSpecs: artifacts.weightSpecs ?? [],
      weightData: Array.isArray(weightData) ? tf.io.CompositeArrayBuffer.join(weightData) : weightData,
      inputSize: manifest.inputSize,
      testTimeViews: manifest.testTimeViews ?? ['identity'],
    },
  };
}
