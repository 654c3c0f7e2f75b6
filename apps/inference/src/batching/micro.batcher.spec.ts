import { type BatchExecutor, MicroBatcher, ShadowBacklogFullError } from './micro.batcher';

interface Batch {
  versionId: string;
  count: number;
}

/**
 * An in-process executor with a fixed number of workers whose batches finish when the test says so. Its
 * "model" answers [v, 1 - v] for an image whose values are all v, so each image's row can be checked.
 */
class SteppedExecutor implements BatchExecutor {
  readonly batches: Batch[] = [];
  private readonly finishers: (() => void)[] = [];
  private readonly listeners: (() => void)[] = [];
  private running = 0;

  constructor(private readonly workers: number) {}

  hasIdleWorker(): boolean {
    return this.running < this.workers;
  }

  onIdle(listener: () => void): void {
    this.listeners.push(listener);
  }

  predict(versionId: string, images: Float32Array, count: number) {
    this.running++;
    this.batches.push({ versionId, count });
    const size = images.length / count;
    const probabilities = new Float32Array(count * 2);
    for (let index = 0; index < count; index++) {
      probabilities[index * 2] = images[index * size];
      probabilities[index * 2 + 1] = 1 - images[index * size];
    }
    return new Promise<{ probabilities: Float32Array; classes: number; forwardMs: number; workerId: number }>(
      (resolve, reject) => {
        this.finishers.push(() => {
          this.running--;
          if (versionId === 'broken') reject(new Error('the model failed'));
          else resolve({ probabilities, classes: 2, forwardMs: 5, workerId: 0 });
          for (const listener of this.listeners) listener();
        });
      },
    );
  }

  /** Finishes the oldest running batch. */
  async finishOne(): Promise<void> {
    this.finishers.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }

  async finishAll(): Promise<void> {
    while (this.finishers.length > 0) await this.finishOne();
  }
}

const image = (value: number) => new Float32Array(12).fill(value);

describe('MicroBatcher', () => {
  it('sends a lone image at once and batches images that arrive while the worker is busy, up to maxBatch', async () => {
    const executor = new SteppedExecutor(1);
    const batcher = new MicroBatcher(executor, { maxBatch: 4, maxWaitMs: 0, shadowMaxPending: 10 });
    const first = batcher.submit('v1', image(0.1));
    expect(executor.batches).toEqual([{ versionId: 'v1', count: 1 }]);

    const later = Array.from({ length: 10 }, (_, index) => batcher.submit('v1', image(index / 10)));
    expect(batcher.waiting()).toEqual({ production: 10, shadow: 0 });
    await executor.finishOne();
    await executor.finishOne();
    await executor.finishOne();
    await executor.finishAll();
    expect(executor.batches.map((batch) => batch.count)).toEqual([1, 4, 4, 2]);

    expect((await first).probabilities).toEqual(new Float32Array([0.1, 0.9].map(Math.fround)));
    const results = await Promise.all(later);
    results.forEach((result, index) => {
      expect(result.probabilities[0]).toBeCloseTo(index / 10, 6);
      expect(result.probabilities[1]).toBeCloseTo(1 - index / 10, 6);
    });
    expect(results.map((result) => result.batchSize)).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 2, 2]);
    expect(results.every((result) => result.forwardMs === 5)).toBe(true);
  });

  it('waits up to maxWaitMs for a batch to fill, and no longer once it is full', async () => {
    const executor = new SteppedExecutor(1);
    const batcher = new MicroBatcher(executor, { maxBatch: 4, maxWaitMs: 40, shadowMaxPending: 10 });
    const partial = [batcher.submit('v1', image(0.2)), batcher.submit('v1', image(0.3))];
    expect(executor.batches).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(executor.batches).toEqual([{ versionId: 'v1', count: 2 }]);
    await executor.finishAll();
    const waited = await Promise.all(partial);
    expect(waited[0].queueMs).toBeGreaterThanOrEqual(35);

    const full = Array.from({ length: 4 }, () => batcher.submit('v1', image(0.5)));
    expect(executor.batches.at(-1)).toEqual({ versionId: 'v1', count: 4 });
    await executor.finishAll();
    expect((await Promise.all(full)).every((result) => result.queueMs < 35)).toBe(true);
  });

  it("caps each version's batches at its own engine's maxBatch", async () => {
    const executor = new SteppedExecutor(1);
    const batcher = new MicroBatcher(executor, {
      maxBatch: 4,
      maxBatchOf: (versionId) => (versionId === 'onnx' ? 2 : undefined),
      maxWaitMs: 0,
      shadowMaxPending: 10,
    });
    const blocker = batcher.submit('tfjs', image(0));
    const waiting = [
      ...Array.from({ length: 5 }, () => batcher.submit('onnx', image(0.1))),
      ...Array.from({ length: 5 }, () => batcher.submit('tfjs', image(0.2))),
    ];
    await executor.finishAll();
    await Promise.all([blocker, ...waiting]);
    expect(executor.batches.map(({ versionId, count }) => `${versionId}:${count}`)).toEqual([
      'tfjs:1',
      'onnx:2',
      'onnx:2',
      'onnx:1',
      'tfjs:4',
      'tfjs:1',
    ]);
  });

  it('never mixes model versions in one batch', async () => {
    const executor = new SteppedExecutor(1);
    const batcher = new MicroBatcher(executor, { maxBatch: 8, maxWaitMs: 0, shadowMaxPending: 10 });
    const blocker = batcher.submit('v1', image(0));
    const mixed = [
      batcher.submit('v1', image(0.1)),
      batcher.submit('v2', image(0.2)),
      batcher.submit('v1', image(0.3)),
    ];
    await executor.finishAll();
    await Promise.all([blocker, ...mixed]);
    expect(executor.batches).toEqual([
      { versionId: 'v1', count: 1 },
      { versionId: 'v1', count: 2 },
      { versionId: 'v2', count: 1 },
    ]);
  });

  it('serves production first, then background tasks, then shadow images, and bounds the shadow backlog', async () => {
    const executor = new SteppedExecutor(1);
    const batcher = new MicroBatcher(executor, { maxBatch: 8, maxWaitMs: 0, shadowMaxPending: 2 });
    const blocker = batcher.submit('v1', image(0));
    const shadows = [
      batcher.submit('candidate', image(0.1), 'shadow'),
      batcher.submit('candidate', image(0.2), 'shadow'),
    ];
    await expect(batcher.submit('candidate', image(0.3), 'shadow')).rejects.toThrow(ShadowBacklogFullError);
    const background = batcher.runInBackground(() => executor.predict('explanation', image(0.9), 1));
    const production = batcher.submit('v1', image(0.4));

    await executor.finishAll();
    await Promise.all([blocker, background, production, ...shadows]);
    expect(executor.batches).toEqual([
      { versionId: 'v1', count: 1 },
      { versionId: 'v1', count: 1 },
      { versionId: 'explanation', count: 1 },
      { versionId: 'candidate', count: 2 },
    ]);
    expect(batcher.waiting()).toEqual({ production: 0, shadow: 0 });
  });

  it('fails only the images of a batch that failed', async () => {
    const executor = new SteppedExecutor(2);
    const batcher = new MicroBatcher(executor, { maxBatch: 8, maxWaitMs: 0, shadowMaxPending: 10 });
    const broken = expect(batcher.submit('broken', image(0.1))).rejects.toThrow('the model failed');
    const fine = batcher.submit('v1', image(0.2));
    await executor.finishAll();
    await broken;
    expect((await fine).probabilities[0]).toBeCloseTo(0.2, 6);
  });

  it('refuses an image whose size differs from the others of its model', async () => {
    const executor = new SteppedExecutor(0);
    const batcher = new MicroBatcher(executor, { maxBatch: 8, maxWaitMs: 0, shadowMaxPending: 10 });
    void batcher.submit('v1', image(0.1));
    await expect(batcher.submit('v1', new Float32Array(3))).rejects.toThrow(
      'an image of 3 values for a model taking 12',
    );
  });
});
