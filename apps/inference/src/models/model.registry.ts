import { type ModelVersionEntity } from '@linescope/db';
import { type ObjectStore } from '@linescope/storage';
import { type ModelManifest } from '@linescope/vision/artifacts';
import { loadOnnxArtifact } from '@linescope/vision/onnx/onnx-artifact.store';
import { type Logger } from 'pino';
import { type InferenceEngineMode } from '../config/inference.config';
import { chooseEngine, ONNX_ENGINE_NAME } from '../engines/engine.choice';
import { type InferenceMetrics } from '../metrics/inference.metrics';
import { type ModelArtifactBytes, type OnnxModelBytes } from '../workers/worker.protocol';
import { type ThresholdOverrides } from '@linescope/verdict';
import { readModelArtifact } from './model-artifact.reader';
import {
  type ModelRole,
  type ServingSet,
  type ServingSetRepository,
} from '../repositories/serving-set.repository';

/** A model version loaded in every worker. */
export interface ServedModel {
  versionId: string;
  name: string;
  version: number;
  manifest: ModelManifest;
  /** The version row's own threshold and band (null: the manifest's). */
  thresholds: ThresholdOverrides;
  roles: ModelRole[];
  loadedAt: Date;
  /** What computes its forward passes: `onnxruntime-cpu`, `tfjs-wasm`... */
  engine: string;
}

/** A hold on a model: it stays loaded until released, even if a swap retired it meanwhile. */
export interface ModelLease {
  readonly model: ServedModel;
  release(): void;
}

/** Where models are loaded: the worker pool. */
export interface ModelLoader {
  loadEverywhere(versionId: string, artifact: ModelArtifactBytes, onnx?: OnnxModelBytes): Promise<void>;
  unloadEverywhere(versionId: string): Promise<void>;
}

export interface ModelRegistryOptions {
  servingSet: ServingSetRepository;
  store: ObjectStore;
  loader: ModelLoader;
  logger: Logger;
  metrics: InferenceMetrics;
  engines: EngineSettings;
  /** Called when the production version or a line's own version starts serving here (the first one included). */
  onModelServing?: () => void;
}

/** How the registry picks each version's engine (see `chooseEngine`). */
export interface EngineSettings {
  mode: InferenceEngineMode;
  onnxRuntimeInstalled: boolean;
  /** Intra-op threads of each ONNX Runtime session. */
  onnxThreads: number;
  /** The name of the TensorFlow.js engine of the workers, e.g. `tfjs-wasm`. */
  tfjsEngine: string;
}

export interface ModelDescription {
  id: string;
  name: string;
  version: number;
  role: ModelRole;
  engine: string;
  loadedAt: string;
}

export type Readiness = { ready: true } | { ready: false; reason: string };

interface Entry {
  model: ServedModel;
  leases: number;
}

/** What requests see; replaced as a whole, so a request never sees half a swap. */
interface Snapshot {
  productionId: string | null;
  serving: Map<string, Entry>;
  shadowIds: string[];
}

const EMPTY: Snapshot = { productionId: null, serving: new Map(), shadowIds: [] };

function thresholdsOf(row: ModelVersionEntity): ThresholdOverrides {
  return {
    operatingThreshold: row.operatingThreshold,
    uncertainLow: row.uncertainLow,
    uncertainHigh: row.uncertainHigh,
  };
}

/**
 * Which model versions are served, and their lifecycle. A sync reads what the database wants (production, line
 * overrides, shadows), loads and warms every missing version in the workers, and only then switches to the new
 * set in one assignment. Requests lease the model they use; a version that left the set is unloaded from the
 * workers once its last lease is released, so requests in flight finish on the version they started with.
 * When a newly promoted version cannot be loaded, the previous production version keeps serving.
 */
export class ModelRegistry {
  private snapshot: Snapshot = EMPTY;
  private readonly loaded = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private readonly failures = new Map<string, string>();
  /** Versions the running sync is about to serve: never unloaded under its feet. */
  private pinned = new Set<string>();
  private productionWanted: string | null = null;
  /** The promoted version that could not be loaded while the previous one keeps serving. */
  private fallbackFor: string | null = null;
  private synced = false;
  private lastSyncError: string | undefined;
  private closed = false;
  private running: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  private firstAttempt: Promise<void> | undefined;

  constructor(private readonly options: ModelRegistryOptions) {}

  /** Resolves once the first sync has been attempted (models loaded, or the failure recorded). */
  whenInitialised(): Promise<void> {
    this.firstAttempt ??= this.requestSync('start');
    return this.firstAttempt;
  }

  /** Runs a sync after the one in progress; requests made while one waits share it. Never rejects. */
  requestSync(reason: string): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    const next = this.running.then(async () => {
      this.queued = undefined;
      await this.sync(reason);
    });
    this.queued = next;
    this.running = next;
    return next;
  }

  leaseProduction(): ModelLease | null {
    const { productionId, serving } = this.snapshot;
    const entry = productionId === null ? undefined : serving.get(productionId);
    return entry === undefined ? null : this.lease(entry);
  }

  /** A served version (any role), or null when it is not in the served set. */
  leaseServing(versionId: string): ModelLease | null {
    const entry = this.snapshot.serving.get(versionId);
    return entry === undefined ? null : this.lease(entry);
  }

  leaseShadows(): ModelLease[] {
    const { shadowIds, serving } = this.snapshot;
    return shadowIds.flatMap((id) => {
      const entry = serving.get(id);
      return entry === undefined ? [] : [this.lease(entry)];
    });
  }

  hasShadows(): boolean {
    return this.snapshot.shadowIds.length > 0;
  }

  /**
   * Any version, loaded for as long as the lease is held if it is not served: a heatmap must be computed by the
   * version that scored the image, which a swap may have retired since.
   */
  async leaseAnyVersion(versionId: string): Promise<ModelLease> {
    let row: ModelVersionEntity | null = null;
    for (;;) {
      // Leased in the same turn as it is found: an unused version may be unloaded between two turns.
      const entry = this.loaded.get(versionId);
      if (entry !== undefined) return this.lease(entry);
      row ??= await this.options.servingSet.findVersion(versionId);
      if (row === null) throw new Error(`model version ${versionId} does not exist`);
      await this.ensureLoaded(row, []);
    }
  }

  /** Why a version could not be loaded, if its last load failed. */
  failureOf(versionId: string): string | undefined {
    return this.failures.get(versionId);
  }

  readiness(): Readiness {
    if (!this.synced) {
      return { ready: false, reason: this.lastSyncError ?? 'the served models are still being loaded' };
    }
    if (this.productionWanted !== null && this.snapshot.productionId === null) {
      const failure = this.failures.get(this.productionWanted);
      return {
        ready: false,
        reason: `production model ${this.productionWanted} is not loaded${failure ? `: ${failure}` : ' yet'}`,
      };
    }
    return { ready: true };
  }

  describe(): ModelDescription[] {
    return [...this.snapshot.serving.values()].flatMap(({ model }) =>
      model.roles.map((role) => ({
        id: model.versionId,
        name: model.name,
        version: model.version,
        role,
        engine: model.engine,
        loadedAt: model.loadedAt.toISOString(),
      })),
    );
  }

  /** The engine of a loaded version (served or leased), undefined when it is not loaded. */
  engineOf(versionId: string): string | undefined {
    return this.loaded.get(versionId)?.model.engine;
  }

  failedLoads(): { id: string; error: string }[] {
    return [...this.failures].map(([id, error]) => ({ id, error }));
  }

  close(): void {
    this.closed = true;
  }

  private async sync(reason: string): Promise<void> {
    const { servingSet, logger } = this.options;
    if (this.closed || !servingSet.connected) return;
    let wanted: ServingSet;
    try {
      wanted = await servingSet.find();
    } catch (error) {
      this.lastSyncError = `cannot read the served model versions: ${(error as Error).message}`;
      logger.warn({ err: error, reason }, this.lastSyncError);
      return;
    }
    const previousProduction = this.snapshot.productionId;
    this.pinned = new Set([
      ...wanted.models.map(({ row }) => row.id),
      ...(previousProduction ? [previousProduction] : []),
    ]);
    try {
      for (const { row, roles } of wanted.models) {
        try {
          const entry = await this.ensureLoaded(row, roles);
          entry.model = {
            ...entry.model,
            name: row.name,
            version: row.version,
            thresholds: thresholdsOf(row),
            roles,
          };
        } catch (error) {
          this.recordFailure(row.id, error);
        }
      }
      this.swap(this.nextSnapshot(wanted, previousProduction));
      for (const id of this.failures.keys()) if (!this.pinned.has(id)) this.failures.delete(id);
      this.productionWanted = wanted.productionId;
      this.synced = true;
      this.lastSyncError = undefined;
    } finally {
      this.pinned = new Set();
      for (const entry of [...this.loaded.values()]) this.unloadIfUnused(entry);
    }
  }

  private nextSnapshot(wanted: ServingSet, previousProduction: string | null): Snapshot {
    const serving = new Map<string, Entry>();
    for (const { row } of wanted.models) {
      const entry = this.loaded.get(row.id);
      if (entry !== undefined) serving.set(row.id, entry);
    }
    let productionId =
      wanted.productionId !== null && serving.has(wanted.productionId) ? wanted.productionId : null;
    const fallback = previousProduction === null ? undefined : this.loaded.get(previousProduction);
    if (productionId === null && wanted.productionId !== null && fallback !== undefined) {
      // The promoted version failed to load: the one serving keeps serving rather than nothing at all.
      if (this.fallbackFor !== wanted.productionId) {
        this.options.logger.error(
          {
            wanted: wanted.productionId,
            serving: previousProduction,
            error: this.failures.get(wanted.productionId),
          },
          'the promoted model version cannot be loaded; the previous production version keeps serving',
        );
      }
      this.fallbackFor = wanted.productionId;
      fallback.model = { ...fallback.model, roles: ['production'] };
      serving.set(fallback.model.versionId, fallback);
      productionId = fallback.model.versionId;
    }
    if (productionId === wanted.productionId) this.fallbackFor = null;
    const shadowIds = wanted.models
      .filter(({ row, roles }) => roles.includes('shadow') && serving.has(row.id))
      .map(({ row }) => row.id);
    return { productionId, serving, shadowIds };
  }

  private swap(next: Snapshot): void {
    const previous = this.snapshot;
    this.snapshot = next;
    const { logger, metrics } = this.options;
    const changed = (role: ModelRole) => {
      const ids = (snapshot: Snapshot) =>
        [...snapshot.serving.values()]
          .filter(({ model }) => model.roles.includes(role))
          .map(({ model }) => model.versionId)
          .sort()
          .join(',');
      return ids(previous) !== ids(next);
    };
    metrics.servingModels.reset();
    for (const { model } of next.serving.values())
      for (const role of model.roles) metrics.servingModels.set({ model_id: model.versionId, role }, 1);
    let newlyServing = false;
    for (const role of ['production', 'line-override', 'shadow'] as const) {
      const count = [...next.serving.values()].filter(({ model }) => model.roles.includes(role)).length;
      metrics.loadedModels.set({ role }, count);
      if (!changed(role)) continue;
      if (role !== 'shadow' && count > 0) newlyServing = true;
      if (previous !== EMPTY) metrics.swaps.inc({ role });
      logger.info(
        { role, models: this.describe().filter((model) => model.role === role) },
        'served models changed',
      );
    }
    if (newlyServing) this.options.onModelServing?.();
  }

  private ensureLoaded(row: ModelVersionEntity, roles: ModelRole[]): Promise<Entry> {
    const loaded = this.loaded.get(row.id);
    if (loaded !== undefined) return Promise.resolve(loaded);
    let loading = this.loading.get(row.id);
    if (loading === undefined) {
      loading = this.load(row, roles).finally(() => this.loading.delete(row.id));
      this.loading.set(row.id, loading);
    }
    return loading;
  }

  private async load(row: ModelVersionEntity, roles: ModelRole[]): Promise<Entry> {
    const started = performance.now();
    const { manifest, artifact } = await readModelArtifact(this.options.store, row.artifactKey);
    const engine = await this.loadWithEngine(row, manifest, artifact);
    const entry: Entry = {
      model: {
        versionId: row.id,
        name: row.name,
        version: row.version,
        manifest,
        thresholds: thresholdsOf(row),
        roles,
        loadedAt: new Date(),
        engine,
      },
      leases: 0,
    };
    this.loaded.set(row.id, entry);
    this.failures.delete(row.id);
    this.options.metrics.modelLoads.inc({ outcome: 'loaded' });
    this.options.logger.info(
      {
        modelVersionId: row.id,
        name: row.name,
        version: row.version,
        engine,
        ms: Math.round(performance.now() - started),
      },
      'model version loaded and warmed in every worker',
    );
    return entry;
  }

  /**
   * Loads a version in every worker with the engine `chooseEngine` picks, and returns that engine's name. In
   * `auto` mode an ONNX artifact that cannot be read or run falls back to TensorFlow.js (logged): the version
   * still serves, as it would have without the artifact.
   */
  private async loadWithEngine(
    row: ModelVersionEntity,
    manifest: ModelManifest,
    artifact: ModelArtifactBytes,
  ): Promise<string> {
    const { engines, loader, store, logger } = this.options;
    const choice = chooseEngine(engines.mode, {
      onnxRuntimeInstalled: engines.onnxRuntimeInstalled,
      rowOnnxKey: row.onnxKey,
      manifestOnnxKey: manifest.onnxKey,
    });
    if (choice.kind === 'onnx') {
      try {
        const bytes = await loadOnnxArtifact(store, choice.onnxKey);
        await loader.loadEverywhere(row.id, artifact, { bytes, threads: engines.onnxThreads });
        return ONNX_ENGINE_NAME;
      } catch (error) {
        if (engines.mode === 'onnx') throw error;
        logger.warn(
          { modelVersionId: row.id, onnxKey: choice.onnxKey, err: error },
          'cannot serve the ONNX artifact; serving the version with TensorFlow.js',
        );
      }
    }
    await loader.loadEverywhere(row.id, artifact);
    return engines.tfjsEngine;
  }

  private recordFailure(versionId: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.failures.get(versionId) !== message) {
      this.options.logger.error({ modelVersionId: versionId, err: error }, 'cannot load model version');
    }
    this.failures.set(versionId, message);
    this.options.metrics.modelLoads.inc({ outcome: 'failed' });
  }

  private lease(entry: Entry): ModelLease {
    entry.leases++;
    let released = false;
    return {
      model: entry.model,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        this.unloadIfUnused(entry);
      },
    };
  }

  private unloadIfUnused(entry: Entry): void {
    const id = entry.model.versionId;
    if (entry.leases > 0 || this.snapshot.serving.has(id) || this.pinned.has(id)) return;
    if (this.loaded.get(id) !== entry) return;
    this.loaded.delete(id);
    this.options.loader.unloadEverywhere(id).then(
      () => this.options.logger.info({ modelVersionId: id }, 'model version unloaded'),
      (error: unknown) => this.options.logger.warn({ modelVersionId: id, err: error }, 'unloading failed'),
    );
  }
}
