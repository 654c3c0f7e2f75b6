import { type OnApplicationShutdown } from '@nestjs/common';
import { type InspectionRepository, type ShadowResultRepository } from '@linescope/db';
import { type Infrastructure } from '@linescope/platform';
import { type BackendName } from '@linescope/vision/backend';
import { MicroBatcher } from './batching/micro.batcher';
import { type InferenceConfig, type InferenceEngineMode } from './config/inference.config';
import { ONNX_ENGINE_NAME, onnxRuntimeInstalled, tfjsEngineName } from './engines/engine.choice';
import { HeatmapRenderer } from './heatmaps/heatmap.renderer';
import { InferenceMetrics } from './metrics/inference.metrics';
import { LineSettingsCache } from './models/line-settings.cache';
import { ModelChangeWatcher } from './models/model-change.watcher';
import { type ModelDescription, ModelRegistry } from './models/model.registry';
import { type ServingSetRepository } from './repositories/serving-set.repository';
import { type ScoringContext, ScoringService } from './scoring/scoring.service';
import { type ShadowOutcome, ShadowEvaluator } from './shadow/shadow.evaluator';
import { WorkerPool, type WorkerStatus } from './workers/worker.pool';

/** `GET /ping`: what this instance serves and how. */
export interface PingReport {
  status: 'ok';
  /** `INFERENCE_ENGINE`: how each version's engine is chosen. Each model names the engine that scores it. */
  engine: InferenceEngineMode;
  /** The engines this instance can score with: TensorFlow.js always, ONNX Runtime when installed (else null). */
  engines: { tfjs: string; onnx: string | null };
  /** TensorFlow.js backend of the workers. */
  backend: BackendName;
  models: ModelDescription[];
  /** Versions that should be served but failed to load, with the reason. */
  failedModels: { id: string; error: string }[];
  workers: WorkerStatus[];
  batching: {
    maxBatch: number;
    /** Largest batch of a version scored by ONNX Runtime. */
    onnxMaxBatch: number;
    maxWaitMs: number;
    waiting: { production: number; shadow: number };
  };
  listening: boolean;
}

/** The repositories the runtime's parts read and write through (built by Nest's container). */
export interface RuntimeRepositories {
  servingSet: ServingSetRepository;
  inspections: InspectionRepository;
  shadowResults: ShadowResultRepository;
}

/**
 * The composition root of the service: worker pool, micro-batcher, model registry and its change watcher,
 * and the services built on them. Started once per process; closed when Nest shuts down.
 */
export class InferenceRuntime implements OnApplicationShutdown {
  private constructor(
    readonly config: InferenceConfig,
    readonly metrics: InferenceMetrics,
    readonly pool: WorkerPool,
    readonly batcher: MicroBatcher,
    readonly registry: ModelRegistry,
    readonly scoring: ScoringService,
    readonly shadow: ShadowEvaluator,
    readonly heatmaps: HeatmapRenderer,
    private readonly watcher: ModelChangeWatcher,
    private readonly onnxInstalled: boolean,
  ) {}

  static async start(
    infra: Infrastructure,
    config: InferenceConfig,
    repositories: RuntimeRepositories,
  ): Promise<InferenceRuntime> {
    const { logger, store } = infra;
    const { servingSet, inspections, shadowResults } = repositories;
    const maxImagePixels = infra.config.ingest.maxImagePixels;
    const metrics = new InferenceMetrics(infra.metrics.registry);
    const pool = await WorkerPool.start({
      size: config.workers,
      backend: config.backend === 'auto' ? undefined : config.backend,
      onWorkerLost: (workerId, reason) => {
        metrics.workerRestarts.inc();
        logger.error({ workerId, reason }, 'inference worker lost; replacing it');
      },
    });
    const onnxInstalled = onnxRuntimeInstalled();
    logger.info(
      {
        ...config,
        backend: pool.backend.name,
        reason: pool.backend.reason,
        workers: pool.size,
        onnxRuntimeInstalled: onnxInstalled,
      },
      'inference workers started',
    );
    const engines = {
      mode: config.engine,
      onnxRuntimeInstalled: onnxInstalled,
      onnxThreads: config.onnxThreads,
      tfjsEngine: tfjsEngineName(pool.backend.name),
    };
    const registry = new ModelRegistry({ servingSet, store, loader: pool, logger, metrics, engines });
    const engineOf = (versionId: string) => registry.engineOf(versionId) ?? engines.tfjsEngine;
    const batcher = new MicroBatcher(pool, {
      maxBatch: config.maxBatch,
      maxBatchOf: (versionId) => (engineOf(versionId) === ONNX_ENGINE_NAME ? config.onnxMaxBatch : undefined),
      maxWaitMs: config.maxWaitMs,
      shadowMaxPending: config.shadowMaxPending,
      onBatch: ({ versionId, priority, size, queueMs, forwardMs }) => {
        const engine = engineOf(versionId);
        metrics.batchSize.observe({ priority, engine }, size);
        metrics.forward.observe({ priority, engine }, forwardMs / 1000);
        for (const ms of queueMs) metrics.queueWait.observe({ priority }, ms / 1000);
      },
    });
    const lineSettings = new LineSettingsCache({
      lookup: (lineId) => servingSet.findLineSettings(lineId),
      listening: () => watcher.listening,
    });
    const scoring = new ScoringService({ lineSettings, registry, batcher, metrics, maxImagePixels });
    const shadow = new ShadowEvaluator({
      results: shadowResults,
      registry,
      batcher,
      metrics,
      logger,
      maxImagePixels,
    });
    const heatmaps = new HeatmapRenderer({
      inspections,
      store,
      registry,
      explainer: pool,
      batcher,
      logger,
      maxImagePixels,
    });
    const watcher = new ModelChangeWatcher({
      databaseUrl: infra.config.database.url ?? '',
      pollMs: config.modelPollMs,
      logger,
      onChange: (reason) => {
        // Every reason may mean a line changed (or that a change went unheard): line settings are read again.
        lineSettings.clear();
        void registry.requestSync(reason);
      },
    });
    return new InferenceRuntime(
      config,
      metrics,
      pool,
      batcher,
      registry,
      scoring,
      shadow,
      heatmaps,
      watcher,
      onnxInstalled,
    );
  }

  /** Loads and warms the served models (readiness waits for it) and starts watching for changes. */
  startServing(): void {
    void this.registry.whenInitialised();
    this.watcher.start();
  }

  /** For `GET /health/ready`: the production model is loaded, when there is one. */
  readonly readinessCheck = async (): Promise<void> => {
    const readiness = this.registry.readiness();
    if (!readiness.ready) throw new Error(readiness.reason);
  };

  /** Shadow scoring of an image production has answered; never throws. */
  async recordShadow(inspectionId: string, context: ScoringContext): Promise<ShadowOutcome[]> {
    return this.shadow.evaluate(inspectionId, context);
  }

  ping(): PingReport {
    return {
      status: 'ok',
      engine: this.config.engine,
      engines: {
        tfjs: tfjsEngineName(this.pool.backend.name),
        onnx: this.onnxInstalled && this.config.engine !== 'tfjs' ? ONNX_ENGINE_NAME : null,
      },
      backend: this.pool.backend.name,
      models: this.registry.describe(),
      failedModels: this.registry.failedLoads(),
      workers: this.pool.status(),
      batching: {
        maxBatch: this.config.maxBatch,
        onnxMaxBatch: this.config.onnxMaxBatch,
        maxWaitMs: this.config.maxWaitMs,
        waiting: this.batcher.waiting(),
      },
      listening: this.watcher.listening,
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.registry.close();
    await this.watcher.stop();
    await this.pool.close();
  }
}
