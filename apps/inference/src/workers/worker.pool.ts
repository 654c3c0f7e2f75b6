import { Worker } from 'node:worker_threads';
import { type BackendInfo, type BackendName } from '@linescope/vision/backend';
import { disableOrtTelemetry } from '@linescope/vision/onnx/ort-telemetry';
import {
  type ExplainResult,
  type ModelArtifactBytes,
  type OnnxModelBytes,
  type PredictResult,
  type WorkerInit,
  type WorkerMessage,
  type WorkerRequest,
  type WorkerResults,
} from './worker.protocol';
import { workerScript } from './worker.script';

export interface WorkerPoolOptions {
  size: number;
  /** undefined: the best backend installed. */
  backend: BackendName | undefined;
  /** Called when a worker dies unexpectedly and is replaced. */
  onWorkerLost?: (workerId: number, reason: string) => void;
}

export interface WorkerStatus {
  id: number;
  /** Requests (forward passes, explanations, loads) being computed or waiting in this worker. */
  busy: number;
  completedBatches: number;
  models: string[];
}

export class WorkerCrashedError extends Error {
  constructor(workerId: number, reason: string) {
    super(`inference worker ${workerId} stopped: ${reason}`);
    this.name = 'WorkerCrashedError';
  }
}

export class WorkerRequestError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** What a worker is given to serve a version: the TensorFlow.js model, and its ONNX export when it has one. */
interface ServedArtifact {
  artifact: ModelArtifactBytes;
  onnx: OnnxModelBytes | undefined;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** One worker thread and the requests it has been sent. */
class PoolWorker {
  busy = 0;
  completedBatches = 0;
  readonly models = new Set<string>();
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    readonly id: number,
    private readonly thread: Worker,
    readonly backend: BackendInfo,
  ) {}

  static start(id: number, backend: BackendName | undefined): Promise<PoolWorker> {
    // Before any worker can open an ONNX session: only the main thread can change what the native runtime reads.
    disableOrtTelemetry();
    const script = workerScript(__dirname, 'model.worker');
    const init: WorkerInit = { workerId: id, backend };
    const thread = new Worker(script.filename, { ...script.options, workerData: init });
    return new Promise((resolve, reject) => {
      const fail = (reason: string) => {
        void thread.terminate();
        reject(new Error(`inference worker ${id} did not start: ${reason}`));
      };
      const onError = (error: Error) => fail(error.message);
      const onExit = (code: number) => fail(`exited with code ${code}`);
      thread.once('error', onError);
      thread.once('exit', onExit);
      thread.once('message', (message: WorkerMessage) => {
        thread.off('error', onError);
        thread.off('exit', onExit);
        if (message.type === 'ready') resolve(new PoolWorker(id, thread, message.backend));
        else fail(message.type === 'failed-to-start' ? message.error : `unexpected ${message.type} message`);
      });
    });
  }

  /** Wires answers to their requests; `onDeath` hears of an unexpected exit once. */
  listen(onDeath: (worker: PoolWorker, reason: string) => void): void {
    this.thread.on('message', (message: WorkerMessage) => {
      if (message.type !== 'done' && message.type !== 'error') return;
      const pending = this.pending.get(message.id);
      if (pending === undefined) return;
      this.pending.delete(message.id);
      if (message.type === 'done') pending.resolve(message.result);
      else pending.reject(new WorkerRequestError(message.error.name, message.error.message));
    });
    let reason = 'exited';
    this.thread.on('error', (error: Error) => (reason = error.message));
    this.thread.on('exit', (code) => {
      const why = `${reason} (exit code ${code})`;
      this.failPending(why);
      onDeath(this, why);
    });
  }

  request<T extends WorkerRequest>(
    request: T,
    transfer: ArrayBuffer[] = [],
  ): Promise<WorkerResults[T['type']]> {
    const id = this.nextId++;
    this.busy++;
    return new Promise<WorkerResults[T['type']]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve, reject });
      this.thread.postMessage({ ...request, id }, transfer);
    }).finally(() => {
      this.busy--;
    });
  }

  async terminate(): Promise<void> {
    this.thread.removeAllListeners('exit');
    this.failPending('the pool is closing');
    await this.thread.terminate();
  }

  private failPending(reason: string): void {
    for (const pending of this.pending.values()) pending.reject(new WorkerCrashedError(this.id, reason));
    this.pending.clear();
  }
}

/**
 * Worker threads that run forward passes: the wasm backend computes on one thread, so one worker per core uses
 * every core. Each worker holds its own copy of every served model; a model is loaded worker by worker, so
 * during a swap the others keep answering. A worker that dies is replaced and given the current models again.
 */
export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private readonly artifacts = new Map<string, ServedArtifact>();
  private readonly idleListeners: (() => void)[] = [];
  private closed = false;
  private roundRobin = 0;

  private constructor(
    private readonly options: WorkerPoolOptions,
    readonly backend: BackendInfo,
  ) {}

  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new RangeError('a pool needs at least one worker');
    const started = await Promise.allSettled(
      Array.from({ length: options.size }, (_, id) => PoolWorker.start(id, options.backend)),
    );
    const workers = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const failure = started.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw failure.reason;
    }
    const pool = new WorkerPool(options, workers[0].backend);
    for (const worker of workers) pool.adopt(worker);
    return pool;
  }

  /** Workers taking requests (a crashed one is out until its replacement holds every model). */
  get size(): number {
    return this.workers.length;
  }

  /** True when a worker is computing nothing: a batch sent now starts at once. */
  hasIdleWorker(): boolean {
    return this.workers.some((worker) => worker.busy === 0);
  }

  /** `listener` runs whenever a worker finishes a request. */
  onIdle(listener: () => void): void {
    this.idleListeners.push(listener);
  }

  /**
   * Loads (and warms) a model in every worker, one worker at a time; with `onnx`, each worker scores it with its
   * own ONNX Runtime session.
   */
  async loadEverywhere(
    versionId: string,
    artifact: ModelArtifactBytes,
    onnx?: OnnxModelBytes,
  ): Promise<void> {
    const served = { artifact, onnx };
    this.artifacts.set(versionId, served);
    try {
      for (const worker of [...this.workers]) await this.loadInto(worker, versionId, served);
    } catch (error) {
      await this.unloadEverywhere(versionId);
      throw error;
    }
  }

  async unloadEverywhere(versionId: string): Promise<void> {
    this.artifacts.delete(versionId);
    await Promise.all(
      this.workers.map(async (worker) => {
        worker.models.delete(versionId);
        await this.track(worker, worker.request({ type: 'unload', versionId })).catch(() => undefined);
      }),
    );
  }

  /** Softmax probabilities of `count` preprocessed images, on the least busy worker holding the model. */
  async predict(
    versionId: string,
    images: Float32Array,
    count: number,
  ): Promise<PredictResult & { workerId: number }> {
    const worker = this.leastBusy(versionId);
    const result = await this.track(
      worker,
      worker.request({ type: 'predict', versionId, images, count }, [images.buffer as ArrayBuffer]),
    );
    worker.completedBatches++;
    return { ...result, workerId: worker.id };
  }

  /** Grad-CAM (or gradient x input for a ViT) of one preprocessed image. */
  explain(versionId: string, image: Float32Array, classIndex: number): Promise<ExplainResult> {
    const worker = this.leastBusy(versionId);
    return this.track(worker, worker.request({ type: 'explain', versionId, image, classIndex }));
  }

  status(): WorkerStatus[] {
    return this.workers.map((worker) => ({
      id: worker.id,
      busy: worker.busy,
      completedBatches: worker.completedBatches,
      models: [...worker.models],
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private adopt(worker: PoolWorker): void {
    worker.listen((dead, reason) => void this.replace(dead, reason));
    this.workers.push(worker);
  }

  private async loadInto(worker: PoolWorker, versionId: string, served: ServedArtifact): Promise<void> {
    // The weights are copied to each worker (structured clone), never transferred: the pool keeps its copy
    // to reload a replaced worker.
    const request = { type: 'load', versionId, artifact: served.artifact, onnx: served.onnx } as const;
    await this.track(worker, worker.request(request));
    worker.models.add(versionId);
  }

  private leastBusy(versionId: string): PoolWorker {
    const holders = this.workers.filter((worker) => worker.models.has(versionId));
    if (holders.length === 0) throw new Error(`model ${versionId} is not loaded in any inference worker`);
    const start = this.roundRobin++ % holders.length;
    const rotated = [...holders.slice(start), ...holders.slice(0, start)];
    return rotated.reduce((best, worker) => (worker.busy < best.busy ? worker : best));
  }

  private async track<T>(worker: PoolWorker, request: Promise<T>): Promise<T> {
    try {
      return await request;
    } finally {
      if (worker.busy === 0) for (const listener of this.idleListeners) listener();
    }
  }

  private async replace(dead: PoolWorker, reason: string): Promise<void> {
    const index = this.workers.indexOf(dead);
    if (this.closed || index === -1) return;
    this.workers.splice(index, 1);
    this.options.onWorkerLost?.(dead.id, reason);
    let worker: PoolWorker | undefined;
    try {
      worker = await PoolWorker.start(dead.id, this.options.backend);
      worker.listen((next, why) => void this.replace(next, why));
      // Taken into the pool only once it holds every current model; a model retired meanwhile is dropped again.
      for (const [versionId, served] of this.artifacts) await this.loadInto(worker, versionId, served);
      for (const versionId of worker.models) {
        if (!this.artifacts.has(versionId)) {
          worker.models.delete(versionId);
          await worker.request({ type: 'unload', versionId });
        }
      }
      if (this.closed) {
        await worker.terminate();
        return;
      }
      this.workers.push(worker);
      for (const listener of this.idleListeners) listener();
    } catch (error) {
      await worker?.terminate();
      this.options.onWorkerLost?.(dead.id, `could not be replaced: ${(error as Error).message}`);
    }
  }
}
