import { type ClassActivationMaps } from '@linescope/vision/explain';

/** Production images are always dispatched before shadow images; shadow work only fills idle capacity. */
export type BatchPriority = 'production' | 'shadow';

/** Where batches run: the worker pool, or anything that computes probabilities the same way. */
export interface BatchExecutor {
  hasIdleWorker(): boolean;
  onIdle(listener: () => void): void;
  predict(
    versionId: string,
    images: Float32Array,
    count: number,
  ): Promise<{
    probabilities: Float32Array;
    classes: number;
    forwardMs: number;
    workerId: number;
    cam?: ClassActivationMaps | null;
  }>;
}

/** One image's share of a batch. */
export interface BatchedPrediction {
  probabilities: Float32Array;
  /** This image's class activation maps [1, h, w, classes], when the serving graph has them. */
  cam: ClassActivationMaps | null;
  /** From submission until its batch was handed to a worker. */
  queueMs: number;
  /** The forward pass of the whole batch, measured in the worker. */
  forwardMs: number;
  batchSize: number;
  workerId: number;
}

export interface BatchEvent {
  versionId: string;
  priority: BatchPriority;
  size: number;
  queueMs: number[];
  forwardMs: number;
}

export interface MicroBatcherOptions {
  maxBatch: number;
  /** A version's own largest batch (its engine's), when it differs from `maxBatch`. */
  maxBatchOf?: (versionId: string) => number | undefined;
  maxWaitMs: number;
  /** Shadow images waiting beyond this are refused with `ShadowBacklogFullError`. */
  shadowMaxPending: number;
  onBatch?: (event: BatchEvent) => void;
}

export class ShadowBacklogFullError extends Error {
  constructor(limit: number) {
    super(`${limit} shadow images are already waiting; this one is not scored by the shadow models`);
    this.name = 'ShadowBacklogFullError';
  }
}

interface Waiting {
  image: Float32Array;
  enqueuedAt: number;
  resolve(prediction: BatchedPrediction): void;
  reject(error: unknown): void;
}

interface Queue {
  versionId: string;
  priority: BatchPriority;
  /** Values per image: every image of a model version has its input size. */
  imageSize: number;
  maxBatch: number;
  items: Waiting[];
}

/**
 * Dynamic micro-batching. Images for the same model version wait in one queue; a batch closes when it holds
 * `maxBatch` images or its first image has waited `maxWaitMs`, whichever comes first, and goes to an idle
 * worker. When every worker is busy, closed batches keep filling (up to `maxBatch`) until one is free: under
 * load batches grow by themselves, while a lone request on an idle service waits at most `maxWaitMs`.
 */
export class MicroBatcher {
  private readonly queues = new Map<string, Queue>();
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;
  private shadowWaiting = 0;
  private readonly background: (() => void)[] = [];

  constructor(
    private readonly executor: BatchExecutor,
    private readonly options: MicroBatcherOptions,
  ) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1)
      throw new RangeError('maxBatch must be >= 1');
    if (!(options.maxWaitMs >= 0)) throw new RangeError('maxWaitMs must be >= 0');
    executor.onIdle(() => this.pump());
  }

  /** Scores one preprocessed image (HWC float32) with `versionId`, batched with others. */
  submit(
    versionId: string,
    image: Float32Array,
    priority: BatchPriority = 'production',
  ): Promise<BatchedPrediction> {
    if (priority === 'shadow' && this.shadowWaiting >= this.options.shadowMaxPending) {
      return Promise.reject(new ShadowBacklogFullError(this.options.shadowMaxPending));
    }
    return new Promise<BatchedPrediction>((resolve, reject) => {
      const key = `${priority}:${versionId}`;
      let queue = this.queues.get(key);
      if (queue === undefined) {
        queue = {
          versionId,
          priority,
          imageSize: image.length,
          maxBatch: this.maxBatchOf(versionId),
          items: [],
        };
        this.queues.set(key, queue);
      }
      if (image.length !== queue.imageSize) {
        reject(new RangeError(`an image of ${image.length} values for a model taking ${queue.imageSize}`));
        return;
      }
      queue.items.push({ image, enqueuedAt: performance.now(), resolve, reject });
      if (priority === 'shadow') this.shadowWaiting++;
      this.pump();
    });
  }

  /** Images waiting for a worker, by priority. */
  waiting(): Record<BatchPriority, number> {
    let production = 0;
    for (const queue of this.queues.values())
      if (queue.priority === 'production') production += queue.items.length;
    return { production, shadow: this.shadowWaiting };
  }

  /**
   * Runs `task` when a worker is idle and no production image waits (before shadow images): for background
   * work such as explanations. `task` must hand its work to the executor synchronously, so that the worker it
   * takes is busy before the next dispatch is considered.
   */
  runInBackground<T>(task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.background.push(() => {
        task().then(resolve, reject);
      });
      this.pump();
    });
  }

  private maxBatchOf(versionId: string): number {
    const own = this.options.maxBatchOf?.(versionId);
    return own !== undefined && Number.isInteger(own) && own >= 1 ? own : this.options.maxBatch;
  }

  private pump(): void {
    const now = performance.now();
    while (this.executor.hasIdleWorker()) {
      const production = this.nextReady('production', now);
      if (production !== undefined) {
        this.dispatch(production, production.items.splice(0, production.maxBatch), now);
        continue;
      }
      // A production batch still filling up keeps its claim on the idle worker.
      if (this.waiting().production > 0) break;
      const task = this.background.shift();
      if (task !== undefined) {
        task();
        continue;
      }
      const shadow = this.nextReady('shadow', now);
      if (shadow === undefined) break;
      this.dispatch(shadow, shadow.items.splice(0, shadow.maxBatch), now);
    }
    this.scheduleWakeUp(now);
  }

  /** The ready queue of that priority whose first image has waited longest. */
  private nextReady(priority: BatchPriority, now: number): Queue | undefined {
    return [...this.queues.values()]
      .filter((queue) => queue.priority === priority && queue.items.length > 0 && this.isReady(queue, now))
      .sort((a, b) => a.items[0].enqueuedAt - b.items[0].enqueuedAt)[0];
  }

  private isReady(queue: Queue, now: number): boolean {
    return queue.items.length >= queue.maxBatch || now - queue.items[0].enqueuedAt >= this.options.maxWaitMs;
  }

  /** Wakes up when the oldest open batch reaches `maxWaitMs`; a busy pool wakes the batcher itself. */
  private scheduleWakeUp(now: number): void {
    let due = Infinity;
    for (const queue of this.queues.values()) {
      if (queue.items.length > 0) due = Math.min(due, queue.items[0].enqueuedAt + this.options.maxWaitMs);
    }
    if (due === Infinity || due <= now || due >= this.timerDue) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(
      () => {
        this.timerDue = Infinity;
        this.pump();
      },
      Math.ceil(due - now),
    );
    this.timer.unref();
  }

  private dispatch(queue: Queue, items: Waiting[], now: number): void {
    const { versionId, priority } = queue;
    if (priority === 'shadow') this.shadowWaiting -= items.length;
    if (queue.items.length === 0) this.queues.delete(`${priority}:${versionId}`);
    const images = new Float32Array(queue.imageSize * items.length);
    items.forEach((item, index) => images.set(item.image, index * queue.imageSize));
    const queueMs = items.map((item) => now - item.enqueuedAt);
    this.executor.predict(versionId, images, items.length).then(
      ({ probabilities, classes, forwardMs, workerId, cam }) => {
        const camSize = cam ? cam.height * cam.width * cam.classes : 0;
        this.options.onBatch?.({ versionId, priority, size: items.length, queueMs, forwardMs });
        items.forEach((item, index) =>
          item.resolve({
            probabilities: probabilities.slice(index * classes, (index + 1) * classes),
            cam: cam ? { ...cam, values: cam.values.slice(index * camSize, (index + 1) * camSize) } : null,
            queueMs: queueMs[index],
            forwardMs,
            batchSize: items.length,
            workerId,
          }),
        );
      },
      (error: unknown) => items.forEach((item) => item.reject(error)),
    );
  }
}
