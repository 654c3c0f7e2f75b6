import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The inference service's Prometheus metrics, registered on the app's registry. */
export class InferenceMetrics {
  readonly predictions: Counter<'model_version' | 'verdict' | 'engine' | 'source'>;
  readonly batchSize: Histogram<'priority' | 'engine'>;
  readonly queueWait: Histogram<'priority'>;
  readonly forward: Histogram<'priority' | 'engine'>;
  readonly swaps: Counter<'role'>;
  readonly modelLoads: Counter<'outcome'>;
  readonly loadedModels: Gauge<'role'>;
  readonly servingModels: Gauge<'model_id' | 'role'>;
  readonly shadowResults: Counter<'model_version' | 'agreement'>;
  readonly shadowDropped: Counter<'reason'>;
  readonly workerRestarts: Counter;
  readonly lateVerdicts: Counter<'outcome'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.predictions = new Counter({
      name: 'linescope_inference_predictions_total',
      help: 'Images scored, by model version, verdict, engine (onnxruntime-cpu, tfjs-wasm...) and source (http or job)',
      labelNames: ['model_version', 'verdict', 'engine', 'source'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'linescope_inference_batch_size',
      help: 'Images per forward pass, by priority and engine',
      labelNames: ['priority', 'engine'],
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers,
    });
    this.queueWait = new Histogram({
      name: 'linescope_inference_queue_wait_seconds',
      help: 'Time an image waited for its batch to reach a worker',
      labelNames: ['priority'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.forward = new Histogram({
      name: 'linescope_inference_forward_seconds',
      help: 'Forward pass of one batch in a worker, by priority and engine (onnxruntime-cpu, tfjs-wasm...)',
      labelNames: ['priority', 'engine'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.swaps = new Counter({
      name: 'linescope_inference_model_swaps_total',
      help: 'Changes of the served model set that took effect, by role (production, line-override, shadow)',
      labelNames: ['role'],
      registers,
    });
    this.modelLoads = new Counter({
      name: 'linescope_inference_model_loads_total',
      help: 'Model versions loaded into the workers, by outcome (loaded, failed)',
      labelNames: ['outcome'],
      registers,
    });
    this.loadedModels = new Gauge({
      name: 'linescope_inference_loaded_models',
      help: 'Model versions being served, by role',
      labelNames: ['role'],
      registers,
    });
    this.servingModels = new Gauge({
      name: 'linescope_inference_serving_model',
      help: 'Model versions this instance serves: 1 per model version id (model_id) and role; absent once unloaded',
      labelNames: ['model_id', 'role'],
      registers,
    });
    this.shadowResults = new Counter({
      name: 'linescope_inference_shadow_results_total',
      help: 'Shadow scorings recorded, by shadow model version and whether the verdict agreed with production',
      labelNames: ['model_version', 'agreement'],
      registers,
    });
    this.shadowDropped = new Counter({
      name: 'linescope_inference_shadow_dropped_total',
      help: 'Shadow scorings not done, by reason (backlog, error)',
      labelNames: ['reason'],
      registers,
    });
    this.workerRestarts = new Counter({
      name: 'linescope_inference_worker_restarts_total',
      help: 'Worker threads that died and were replaced',
      registers,
    });
    this.lateVerdicts = new Counter({
      name: 'linescope_inference_late_verdicts_total',
      help: 'Verdicts this instance recorded itself because the caller stopped waiting, by outcome (recorded, already-final)',
      labelNames: ['outcome'],
      registers,
    });
  }
}
