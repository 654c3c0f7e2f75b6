import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { FsObjectStore } from '@linescope/storage';
import { createRng } from '@linescope/training/random';
import { initBackend } from '@linescope/vision/backend';
import { AnomalyModelFormatError, decodeAnomalyModel, encodeAnomalyModel } from './anomaly-model.codec';
import { scoreAnomalies } from './anomaly.score';
import { fitPadim } from './padim';
import { fitPatchCore } from './patchcore';

function randomFeatures(count: number, seed: number): tf.Tensor4D {
  const rng = createRng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: count * 4 * 5 * 6 }, () => rng.normal()),
    [count, 4, 5, 6],
  );
}

describe('anomaly model codec', () => {
  let dir: string;
  let store: FsObjectStore;

  beforeAll(async () => {
    await initBackend({ preferred: 'wasm', logger: () => undefined });
    dir = await mkdtemp(path.join(tmpdir(), 'linescope-anomaly-'));
    store = new FsObjectStore(dir);
    await store.init();
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(['padim', 'patchcore'] as const)(
    'round-trips a fitted %s model through the object store with identical scores',
    async (kind) => {
      const good = randomFeatures(12, 1);
      const probe = randomFeatures(3, 2);
      const model =
        kind === 'padim'
          ? fitPadim(good, { dimensions: 4 })
          : fitPatchCore(good, { coresetRatio: 0.2, reweightNeighbours: 3 });
      await store.put(`models/${kind}.bin`, encodeAnomalyModel(model));
      const loaded = decodeAnomalyModel(await store.get(`models/${kind}.bin`));
      expect(loaded).toEqual(model);
      const before = scoreAnomalies(model, probe);
      const after = scoreAnomalies(loaded, probe);
      expect(Array.from(after.images)).toEqual(Array.from(before.images));
      expect(after.images.every((score) => score > 0)).toBe(true);
      [good, probe, before.patches, after.patches].forEach((tensor) => tensor.dispose());
    },
  );

  it('refuses a memory bank whose size disagrees with its header', () => {
    const model = fitPatchCore(randomFeatures(4, 3), { coresetRatio: 0.5 });
    const bytes = encodeAnomalyModel({ ...model, bankSize: model.bankSize + 1 });
    expect(() => decodeAnomalyModel(bytes)).toThrow(AnomalyModelFormatError);
    expect(() => decodeAnomalyModel(bytes)).toThrow(
      /bank holds \d+ values; a 4x5x6 patchcore model needs \d+/,
    );
  });

  it('refuses Gaussians of the wrong shape, a truncated file and foreign bytes', () => {
    const model = fitPadim(randomFeatures(6, 4), { dimensions: 3 });
    const wrongShape = encodeAnomalyModel({ ...model, grid: { ...model.grid, width: 6 } });
    expect(() => decodeAnomalyModel(wrongShape)).toThrow(
      /mean holds 60 values; a 4x6x6 padim model needs 72/,
    );
    const whole = encodeAnomalyModel(model);
    expect(() => decodeAnomalyModel(whole.subarray(0, whole.length - 4))).toThrow(/runs past the end/);
    expect(() => decodeAnomalyModel(Buffer.from('{"kind":"padim"}'))).toThrow(/no LSAN signature/);
  });

  it('refuses features of another grid at scoring time', () => {
    const model = fitPadim(randomFeatures(6, 5), { dimensions: 3 });
    const other = tf.zeros<tf.Rank.R4>([1, 4, 5, 7]);
    expect(() => scoreAnomalies(model, other)).toThrow(/features are 4x5x7, the model was fitted on 4x5x6/);
    other.dispose();
  });
});
