import { InferenceSession, Tensor } from 'onnxruntime-node';
import { disableOrtTelemetry } from './ort-telemetry';

disableOrtTelemetry();

export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface OnnxScorerOptions {
  /** Intra-op threads of the session. Default 1: the service scales by running sessions side by side. */
  threads?: number;
  /**
   * Default 'all': the level that enables ORT's NCHWc layout rewrite, where nearly all of its CNN speed comes from
   * (MobileNetV2 measured 206 vs 79 images/s against 'extended').
   */
  optimizationLevel?: OptimizationLevel;
  /** Writes the graph ORT actually runs (after fusions) to this path; for inspection only. */
  optimizedModelPath?: string;
}

/** A tensor input or output as ORT's metadata describes it. */
export interface OnnxValueShape {
  name: string;
  /** Numbers for fixed dimensions, names for dynamic ones. */
  shape: readonly (number | string)[];
}

function tensorShapeOf(metadata: InferenceSession.ValueMetadata | undefined, what: string): OnnxValueShape {
  if (metadata === undefined || !metadata.isTensor) throw new Error(`the model's ${what} is not a tensor`);
  return { name: metadata.name, shape: metadata.shape };
}

/**
 * Scores NHWC float32 image batches with ONNX Runtime (CPU). One session may be shared by any number of callers:
 * ORT sessions are thread-safe for concurrent `run`. But onnxruntime-node (1.30) runs the inference synchronously
 * on the calling JS thread (its `run` promise resolves from a setImmediate callback), so a run blocks that
 * thread's event loop for the whole inference and runs from one thread execute one after another. A service that
 * must stay responsive scores in worker_threads (a scorer per worker), and parallelism within one run comes from
 * `threads`.
 */
export class OnnxScorer {
  private disposed = false;

  private constructor(
    private readonly session: InferenceSession,
    readonly input: OnnxValueShape,
    readonly output: OnnxValueShape,
  ) {}

  static async create(bytes: Uint8Array, options: OnnxScorerOptions = {}): Promise<OnnxScorer> {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`threads must be >= 1, got ${threads}`);
    const session = await InferenceSession.create(bytes, {
      graphOptimizationLevel: options.optimizationLevel ?? 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      // Errors only: ORT's warnings are about its own graph rewrites, not actionable by the service.
      logSeverityLevel: 3,
      // A session with 2+ threads would otherwise keep its idle threads spinning between requests, burning CPU
      // that decoding and the other sessions need on a small machine.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
      ...(options.optimizedModelPath === undefined
        ? {}
        : { optimizedModelFilePath: options.optimizedModelPath }),
    });
    if (session.inputNames.length !== 1 || session.outputNames.length !== 1) {
      await session.release();
      throw new Error(
        `a scorer needs one input and one output, the model has ${session.inputNames.length} and ${session.outputNames.length}`,
      );
    }
    return new OnnxScorer(
      session,
      tensorShapeOf(session.inputMetadata[0], 'input'),
      tensorShapeOf(session.outputMetadata[0], 'output'),
    );
  }

  /** Classes per image, when the model fixes it. */
  get numClasses(): number | null {
    const last = this.output.shape[this.output.shape.length - 1];
    return typeof last === 'number' ? last : null;
  }

  /**
   * Logits [n, classes] (row-major) of `n` images of h x w RGB pixels, NHWC float32, preprocessed exactly as for
   * the tfjs model.
   */
  async run(batch: Float32Array, n: number, h: number, w: number): Promise<Float32Array> {
    if (this.disposed) throw new Error('this scorer has been disposed');
    if (batch.length !== n * h * w * 3) {
      throw new RangeError(
        `a batch of ${n} ${h}x${w} RGB images has ${n * h * w * 3} values, got ${batch.length}`,
      );
    }
    const feeds = { [this.input.name]: new Tensor('float32', batch, [n, h, w, 3]) };
    const result = await this.session.run(feeds);
    const logits = result[this.output.name];
    if (!(logits.data instanceof Float32Array)) throw new Error(`output ${this.output.name} is not float32`);
    return logits.data;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
