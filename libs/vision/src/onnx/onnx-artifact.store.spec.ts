/**
 * @jest-environment <rootDir>/libs/vision/src/onnx/ort-realm.environment.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { FsObjectStore } from '@linescope/storage';

import { manifestInput } from '../artifacts/artifacts.fixture';
import { ModelArtifactError } from '../artifacts/model-artifact.error';
import { modelVersionPrefix, readManifest, saveModelArtifact } from '../artifacts/model-artifact.store';
import { sha256 } from '../artifacts/model-json.codec';
import { buildModel, predictLogits } from '../models';
import { useTestBackend } from '../models/zoo.testing';
import { exportToOnnx, loadOnnxArtifact, OnnxScorer, saveOnnxArtifact } from './index';
import { maxAbsDifference, realImages } from './onnx.testing';

const SIZE = 32;
let rootDir: string;
let store: FsObjectStore;

beforeAll(async () => {
  await useTestBackend();
  rootDir = await mkdtemp(path.join(tmpdir(), 'linescope-onnx-store-'));
  store = new FsObjectStore(rootDir);
  await store.init();
});

afterAll(async () => {
  await rm(rootDir, { recursive: true, force: true });
});

describe('saveOnnxArtifact / loadOnnxArtifact', () => {
  it('stores model.onnx beside the tfjs files, named in the manifest, and serves it back verified', async () => {
    const model = buildModel({ arch: 'resnet', depth: 10, width: 8, inputSize: SIZE, numClasses: 3 });
    const prefix = modelVersionPrefix('onnx-v1');
    const { bytes } = exportToOnnx(model);

    const saved = await saveOnnxArtifact(store, prefix, bytes);
    expect(saved.key).toBe('models/onnx-v1/model.onnx');
    expect(saved.file).toEqual({ path: 'model.onnx', sha256: sha256(bytes), bytes: bytes.length });
    await saveModelArtifact(
      store,
      prefix,
      model,
      manifestInput({
        inputSize: [SIZE, SIZE],
        preprocessing: { inputSize: [SIZE, SIZE], resize: 'squash', normalization: 'resnet' },
        onnxKey: saved.key,
      }),
    );

    const manifest = await readManifest(store, prefix);
    expect(manifest.onnxKey).toBe(saved.key);
    const loaded = await loadOnnxArtifact(store, manifest.onnxKey ?? '', saved.file);
    expect(Buffer.from(loaded).equals(Buffer.from(bytes))).toBe(true);

    const images = await realImages(SIZE, 3, { normalization: 'resnet' });
    const expected = tf.tidy(() => predictLogits(model, images.tensor).dataSync() as Float32Array);
    const scorer = await OnnxScorer.create(loaded);
    const logits = await scorer.run(images.data, 3, SIZE, SIZE);
    await scorer.dispose();
    expect(maxAbsDifference(logits, expected)).toBeLessThan(1e-4);
    images.tensor.dispose();
    model.dispose();
  });

  it('refuses a published version, a replaced file and a missing key', async () => {
    const model = buildModel({ arch: 'resnet', depth: 10, width: 4, inputSize: SIZE, numClasses: 3 });
    const prefix = modelVersionPrefix('onnx-v2');
    const { bytes } = exportToOnnx(model);
    const saved = await saveOnnxArtifact(store, prefix, bytes);
    await saveModelArtifact(
      store,
      prefix,
      model,
      manifestInput({
        inputSize: [SIZE, SIZE],
        preprocessing: { inputSize: [SIZE, SIZE], resize: 'squash', normalization: 'resnet' },
        onnxKey: saved.key,
      }),
    );
    const codes = async (promise: Promise<unknown>): Promise<string> =>
      promise.then(
        () => 'resolved',
        (error: unknown) => (error instanceof ModelArtifactError ? error.code : String(error)),
      );

    expect(await codes(saveOnnxArtifact(store, prefix, bytes))).toBe('already_exists');
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 1] ^= 1;
    await store.put(saved.key, tampered);
    expect(await codes(loadOnnxArtifact(store, saved.key, saved.file))).toBe('checksum_mismatch');
    expect(await codes(loadOnnxArtifact(store, 'models/nowhere/model.onnx'))).toBe('missing_object');
    model.dispose();
  });
});
