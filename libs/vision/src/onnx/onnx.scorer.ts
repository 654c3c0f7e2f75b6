import { InferenceSession, Tensor } from 'onnxruntime-node';
import { CAM_OUTPUT } from '../serving/cam.head';
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

/** One forward pass: logits [n, classes] and, for a graph with a `cam` output, the maps [n, h, w, classes]. */
export interface OnnxScores {
  logits: Float32Array;
  cam: { values: Float32Array; height: number; width: number; classes: number } | null;
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
    /** The class activation maps output, when the export has one. */
    readonly camOutput: OnnxValueShape | null,
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
    const camIndex = session.outputNames.indexOf(CAM_OUTPUT);
    const logitsIndex = session.outputNames.findIndex((name) => name !== CAM_OUTPUT);
    if (session.inputNames.length !== 1 || session.outputNames.length !== (camIndex === -1 ? 1 : 2)) {
      await session.release();
      throw new Error(
        `a scorer needs one input and one output (and optionally '${CAM_OUTPUT}'), the model has ${session.inputNames.length} and ${session.outputNames.length}`,
      );
    }
    return new OnnxScorer(
      session,
      tensorShapeOf(session.inputMetadata[0], 'input'),
      tensorShapeOf(session.outputMetadata[logitsIndex], 'output'),
      camIndex === -1 ? null : tensorShapeOf(session.outputMetadata[camIndex], CAM_OUTPUT),
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
    return (await this.forward(batch, n, h, w, false)).logits;
  }

  /** The logits and, when the graph outputs them, the class activation maps, from the same run. */
  runWithCam(batch: Float32Array, n: number, h: number, w: number): Promise<OnnxScores> {
    return this.forward(batch, n, h, w, true);
  }

  private async forward(
    batch: Float32Array,
    n: number,
    h: number,
    w: number,
    withCam: boolean,
  ): Promise<OnnxScores> {
    if (this.disposed) throw new Error('this scorer has been disposed');
    if (batch.length !== n * h * w * 3) {
      throw new RangeError(
        `a batch of ${n} ${h}x${w} RGB images has ${n * h * w * 3} values, got ${batch.length}`,
      );
    }
    const feeds = { [this.input.name]: new Tensor('float32', batch, [n, h, w, 3]) };
    const camName = withCam ? (this.camOutput?.name ?? null) : null;
    // Asking for the logits only lets ORT skip the CAM's few nodes.
    const fetches = camName === null ? [this.output.name] : [this.output.name, camName];
    const result = await this.session.run(feeds, fetches);
    const logits = result[this.output.name];
    if (!(logits.data instanceof Float32Array)) throw new Error(`output ${this.output.name} is not float32`);
    if (camName === null) return { logits: logits.data, cam: null };
    const cam = result[camName];
    if (!(cam.data instanceof Float32Array) || cam.dims.length !== 4)
      throw new Error(`output ${camName} is not a float32 [n, h, w, classes] tensor`);
    const [, height, width, classes] = cam.dims;
    return { logits: logits.data, cam: { values: cam.data, height, width, classes } };
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
