import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { FsObjectStore, type ObjectStore } from '@linescope/storage';
import { preprocessBatch } from '../preprocess';
import { datasetFile } from '../preprocess/image.fixture';
import { manifestInput, predictValues, randomImages, tinyConvNet, TINY_SIZE } from './artifacts.fixture';
import { ModelArtifactError } from './model-artifact.error';
import {
  loadModelArtifact,
  MANIFEST_FILE,
  modelVersionPrefix,
  readManifest,
  saveModelArtifact,
} from './model-artifact.store';
import { sha256 } from './model-json.codec';
import { ObjectStoreModelHandler } from './object-store.io-handler';

let rootDir: string;
let store: ObjectStore;
let model: tfl.LayersModel;
let version = 0;

/** A fresh version prefix per test, so tests do not see each other's objects. */
const nextPrefix = () => modelVersionPrefix(`v${(version += 1)}`);

async function listKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list(prefix)) keys.push(info.key);
  return keys;
}

async function artifactError(promise: Promise<unknown>): Promise<ModelArtifactError> {
  const outcome = await promise.then(
    () => new Error('resolved without error'),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ModelArtifactError);
  return outcome as ModelArtifactError;
}

async function rewriteManifest(
  prefix: string,
  edit: (manifest: Record<string, unknown>) => void,
): Promise<void> {
  const manifest = JSON.parse((await store.get(prefix + MANIFEST_FILE)).toString('utf8')) as Record<
    string,
    unknown
  >;
  edit(manifest);
  await store.put(prefix + MANIFEST_FILE, Buffer.from(JSON.stringify(manifest)));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  rootDir = await mkdtemp(path.join(os.tmpdir(), 'linescope-model-store-'));
  store = new FsObjectStore(rootDir);
  await store.init();
  model = tinyConvNet();
});

afterAll(async () => {
  model.dispose();
  await rm(rootDir, { recursive: true, force: true });
});

describe('saveModelArtifact / loadModelArtifact', () => {
  it('round-trips a model: same predictions on real preprocessed images, manifest intact', async () => {
    const prefix = nextPrefix();
    const saved = await saveModelArtifact(store, prefix, model, manifestInput());

    expect(await listKeys(prefix)).toEqual([
      prefix + 'manifest.json',
      prefix + 'model.json',
      prefix + 'weights.bin',
    ]);
    expect(saved.files.modelJson.sha256).toBe(sha256(await store.get(prefix + 'model.json')));
    expect(saved.files.weights).toEqual([
      {
        path: 'weights.bin',
        sha256: sha256(await store.get(prefix + 'weights.bin')),
        bytes: expect.any(Number),
      },
    ]);

    const { model: loaded, manifest } = await loadModelArtifact(store, prefix);
    expect(manifest).toEqual(saved);
    expect(manifest).toMatchObject({ schemaVersion: 1, classNames: ['ok', 'crack', 'blowhole'] });

    const images = await preprocessBatch(
      [
        readFileSync(datasetFile('magnetic-tile', 'crack', 'exp1_num_249594.jpg')),
        readFileSync(datasetFile('neu-cls', 'crazing', 'Cr_1.png')),
      ],
      manifest.preprocessing,
    );
    const before = predictValues(model, images);
    const after = predictValues(loaded, images);
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(before).toHaveLength(2 * 3);
    images.dispose();
    loaded.dispose();
  });

  it('detects a tampered weight file', async () => {
    const prefix = nextPrefix();
    await saveModelArtifact(store, prefix, model, manifestInput());
    const weights = await store.get(prefix + 'weights.bin');
    weights[weights.length - 3] ^= 0x01;
    await store.put(prefix + 'weights.bin', weights);

    const error = await artifactError(loadModelArtifact(store, prefix));
    expect(error.code).toBe('checksum_mismatch');
    expect(error.message).toContain('weights.bin');
    expect(error.message).toContain('sha256');
  });

  it('detects a truncated weight file and an edited model.json', async () => {
    const prefix = nextPrefix();
    await saveModelArtifact(store, prefix, model, manifestInput());
    const weights = await store.get(prefix + 'weights.bin');
    await store.put(prefix + 'weights.bin', weights.subarray(0, weights.length - 4));
    expect((await artifactError(loadModelArtifact(store, prefix))).message).toMatch(
      /weights\.bin is \d+ bytes/,
    );

    await store.put(prefix + 'weights.bin', weights);
    const modelJson = (await store.get(prefix + 'model.json')).toString('utf8').replace('"head"', '"heaD"');
    await store.put(prefix + 'model.json', Buffer.from(modelJson));
    const error = await artifactError(loadModelArtifact(store, prefix));
    expect(error.code).toBe('checksum_mismatch');
    expect(error.message).toContain('model.json');
  });

  it('refuses to overwrite a published version', async () => {
    const prefix = nextPrefix();
    await saveModelArtifact(store, prefix, model, manifestInput());
    const error = await artifactError(saveModelArtifact(store, prefix, model, manifestInput()));
    expect(error.code).toBe('already_exists');
  });

  it('refuses a manifest that does not describe the model, before writing anything', async () => {
    const prefix = nextPrefix();
    const twoClasses = manifestInput({ classNames: ['ok', 'defect'], positiveClasses: ['defect'] });
    expect((await artifactError(saveModelArtifact(store, prefix, model, twoClasses))).code).toBe(
      'model_mismatch',
    );

    const otherSize = manifestInput({
      inputSize: [32, 32],
      preprocessing: { inputSize: [32, 32], resize: 'squash', normalization: 'mobilenet' },
    });
    expect((await artifactError(saveModelArtifact(store, prefix, model, otherSize))).code).toBe(
      'model_mismatch',
    );
    expect(await listKeys(prefix)).toEqual([]);
  });

  it.each([
    ['a positive class that is not a class', { positiveClasses: ['scratch'] }, 'positiveClasses'],
    ['an input size that differs from preprocessing', { inputSize: [TINY_SIZE, 8] }, 'inputSize'],
    [
      'a threshold outside its uncertain band',
      { operatingPoint: { threshold: 0.9, uncertainBand: { low: 0.3, high: 0.7 } } },
      'operatingPoint',
    ],
    ['duplicate class names', { classNames: ['ok', 'ok', 'crack'] }, 'classNames'],
    ['an unknown test-time view', { testTimeViews: ['identity', 'mirror'] }, 'testTimeViews'],
    ['an empty list of test-time views', { testTimeViews: [] }, 'testTimeViews'],
    [
      'an unknown normalisation',
      { preprocessing: { inputSize: [TINY_SIZE, TINY_SIZE], resize: 'squash', normalization: 'caffe' } },
      'preprocessing',
    ],
  ] as const)('refuses to save a manifest with %s', async (_, override, field) => {
    const prefix = nextPrefix();
    const input = { ...manifestInput(), ...override } as unknown as ReturnType<typeof manifestInput>;
    const error = await artifactError(saveModelArtifact(store, prefix, model, input));
    expect(error.code).toBe('invalid_manifest');
    expect(error.message).toContain(field);
    expect(await listKeys(prefix)).toEqual([]);
  });

  it('fills createdAt when not given', async () => {
    const prefix = nextPrefix();
    const before = Date.now();
    const saved = await saveModelArtifact(store, prefix, model, manifestInput({ createdAt: undefined }));
    expect(Date.parse(saved.createdAt)).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe('readManifest', () => {
  let prefix: string;

  beforeEach(async () => {
    prefix = nextPrefix();
    await saveModelArtifact(store, prefix, model, manifestInput());
  });

  it('reads what was saved', async () => {
    const manifest = await readManifest(store, prefix);
    expect(manifest.operatingPoint).toEqual({ threshold: 0.5, uncertainBand: { low: 0.3, high: 0.7 } });
    expect(manifest.teacherVersion).toBe('teacher-001');
    expect(manifest.testTimeViews).toBeUndefined();
  });

  it('reads the test-time views a model is served with', async () => {
    const viewed = nextPrefix();
    await saveModelArtifact(store, viewed, model, manifestInput({ testTimeViews: ['identity', 'hflip'] }));
    expect((await readManifest(store, viewed)).testTimeViews).toEqual(['identity', 'hflip']);
  });

  it('rejects an unknown schema version', async () => {
    await rewriteManifest(prefix, (manifest) => (manifest.schemaVersion = 2));
    const error = await artifactError(readManifest(store, prefix));
    expect(error.code).toBe('unsupported_schema_version');
    expect(error.message).toContain('schemaVersion 2');
    // Nothing is loaded from a version this build does not understand.
    expect((await artifactError(loadModelArtifact(store, prefix))).code).toBe('unsupported_schema_version');
  });

  it('rejects a manifest with a missing field, naming it', async () => {
    await rewriteManifest(prefix, (manifest) => delete manifest.classNames);
    const error = await artifactError(readManifest(store, prefix));
    expect(error.code).toBe('invalid_manifest');
    expect(error.message).toContain('classNames');
  });

  it('rejects a manifest whose weight checksum is malformed', async () => {
    await rewriteManifest(prefix, (manifest) => {
      (manifest.files as { weights: { sha256: string }[] }).weights[0].sha256 = 'abc';
    });
    expect((await artifactError(readManifest(store, prefix))).message).toContain('files.weights.0.sha256');
  });

  it('rejects a manifest that is not JSON, and a missing one', async () => {
    await store.put(prefix + MANIFEST_FILE, Buffer.from('{ not json'));
    expect((await artifactError(readManifest(store, prefix))).code).toBe('invalid_manifest');
    expect((await artifactError(readManifest(store, modelVersionPrefix('never-saved')))).code).toBe(
      'missing_object',
    );
  });
});

describe('ObjectStoreModelHandler', () => {
  it('is a plain tfjs IOHandler: model.save and tfl.loadLayersModel work through it', async () => {
    const prefix = 'checkpoints/run-1/epoch-3';
    await model.save(new ObjectStoreModelHandler(store, prefix));
    const loaded = await tfl.loadLayersModel(new ObjectStoreModelHandler(store, prefix));
    const images = randomImages(2);
    expect(Array.from(predictValues(loaded, images))).toEqual(Array.from(predictValues(model, images)));
    images.dispose();
    loaded.dispose();
  });

  it('reports a missing model as missing_object', async () => {
    const error = await artifactError(tfl.loadLayersModel(new ObjectStoreModelHandler(store, 'nowhere/')));
    expect(error.code).toBe('missing_object');
  });
});

describe('modelVersionPrefix', () => {
  it('builds models/<id>/ and refuses unsafe ids', () => {
    expect(modelVersionPrefix('2024-05-01_mnv2-a')).toBe('models/2024-05-01_mnv2-a/');
    expect(() => modelVersionPrefix('../etc')).toThrow();
    expect(() => modelVersionPrefix('a/b')).toThrow();
    expect(() => modelVersionPrefix('')).toThrow();
  });
});
