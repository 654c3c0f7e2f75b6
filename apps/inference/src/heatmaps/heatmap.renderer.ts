import { type InspectionEntity, type InspectionRepository } from '@linescope/db';
import { ObjectNotFoundError, type ObjectStore } from '@linescope/storage';
import { type Heatmap, renderHeatmapOverlay } from '@linescope/vision/explain';
import { type ModelManifest } from '@linescope/vision/artifacts';
import { type Logger } from 'pino';
import { type MicroBatcher } from '../batching/micro.batcher';
import { type ModelRegistry } from '../models/model.registry';
import { explainedClassIndex } from '../scoring/defect.score';
import { prepareImage } from '../scoring/image.prepare';
import { type ExplainResult } from '../workers/worker.protocol';

/** Where explanations are computed: the worker pool. */
export interface Explainer {
  explain(versionId: string, image: Float32Array, classIndex: number): Promise<ExplainResult>;
}

export interface HeatmapRendererDependencies {
  inspections: InspectionRepository;
  store: ObjectStore;
  registry: ModelRegistry;
  explainer: Explainer;
  batcher: MicroBatcher;
  logger: Logger;
  maxImagePixels: number;
}

export type HeatmapOutcome =
  { status: 'rendered'; key: string; method: string } | { status: 'skipped'; reason: string };

/** What rendering one inspection's heatmap "if missing" came to. */
export type MissingHeatmapOutcome =
  | { status: 'rendered'; key: string; method: string }
  | { status: 'exists'; key: string }
  | { status: 'not-found' }
  | { status: 'not-applicable'; reason: string };

/**
 * zlib level of the overlay stored before a verdict's answer: bench/explain measured 12.5 ms of CPU per magnetic-tile
 * overlay at level 1 against 16.9 at sharp's 6, for PNGs about 23% larger. Decoding the original and blending cost
 * the rest.
 */
const HOT_PATH_PNG_LEVEL = 1;

/** `heatmaps/<lineId>/<YYYY-MM-DD of receipt, UTC>/<inspectionId>.png` */
export function heatmapKey(inspection: Pick<InspectionEntity, 'id' | 'lineId' | 'receivedAt'>): string {
  return `heatmaps/${inspection.lineId}/${inspection.receivedAt.toISOString().slice(0, 10)}/${inspection.id}.png`;
}

/**
 * Renders a heatmap for a scored inspection: Grad-CAM of the version that scored it (gradient x input for a
 * ViT), for its most probable defect class, drawn over the original image as a PNG. The forward and backward
 * passes run in a worker, in the batcher's background slot, so they never hold up a waiting request.
 */
export class HeatmapRenderer {
  constructor(private readonly deps: HeatmapRendererDependencies) {}

  /**
   * Renders the heatmap of a defect or uncertain inspection unless it has one: what the queued job does and what a
   * person opening the item asks for (whichever comes first attaches its key; the other finds it there).
   */
  async renderMissing(inspectionId: string): Promise<MissingHeatmapOutcome> {
    const inspection = await this.deps.inspections.findById(inspectionId);
    if (!inspection) return { status: 'not-found' };
    if (inspection.heatmapKey) return { status: 'exists', key: inspection.heatmapKey };
    if (inspection.verdict !== 'defect' && inspection.verdict !== 'uncertain')
      return {
        status: 'not-applicable',
        reason: 'heatmaps are rendered for defect and uncertain verdicts only',
      };
    const outcome = await this.render(inspection);
    if (outcome.status === 'rendered') return outcome;
    if (outcome.reason === 'heatmap already rendered') {
      const key = await this.deps.inspections.findHeatmapKey(inspectionId);
      if (key) return { status: 'exists', key };
    }
    if (outcome.reason === 'inspection no longer exists') return { status: 'not-found' };
    return { status: 'not-applicable', reason: outcome.reason };
  }

  /**
   * Stores the heatmap a verdict's own forward pass produced (the class activation map of a GAP CNN): overlays it
   * on the original image and attaches the key, before the verdict is answered or recorded, so no render job is
   * queued for it. Null when the inspection is gone or already has one, or storing failed: a failure only leaves
   * the heatmap to the render job (the verdict matters more than its picture).
   */
  async storeForVerdict(
    inspectionId: string,
    bytes: Buffer,
    heatmap: { map: Heatmap; preprocessing: ModelManifest['preprocessing'] },
  ): Promise<string | null> {
    const { inspections, store, maxImagePixels, logger } = this.deps;
    try {
      const inspection = await inspections.findById(inspectionId);
      if (!inspection || inspection.heatmapKey) return null;
      const { map, preprocessing } = heatmap;
      const png = await renderHeatmapOverlay(bytes, map, preprocessing, {
        maxPixels: preprocessing.maxPixels ?? maxImagePixels,
        compressionLevel: HOT_PATH_PNG_LEVEL,
      });
      const key = heatmapKey(inspection);
      await store.put(key, png, { contentType: 'image/png' });
      return (await this.attach(inspectionId, key)) === 'attached' ? key : null;
    } catch (error) {
      logger.warn(
        { err: error, inspectionId },
        'storing the verdict heatmap failed; the render job will draw it',
      );
      return null;
    }
  }

  async render(inspection: InspectionEntity): Promise<HeatmapOutcome> {
    const { registry, store, batcher, explainer, maxImagePixels } = this.deps;
    const versionId = inspection.modelVersionId;
    if (versionId === null) return { status: 'skipped', reason: 'the inspection names no model version' };
    let bytes: Buffer;
    try {
      bytes = await store.get(inspection.imageKey);
    } catch (error) {
      if (error instanceof ObjectNotFoundError)
        return { status: 'skipped', reason: 'the image is no longer stored' };
      throw error;
    }
    const lease = await registry.leaseAnyVersion(versionId);
    try {
      const { manifest } = lease.model;
      const prepared = await prepareImage(bytes, manifest.preprocessing, maxImagePixels);
      const classIndex = explainedClassIndex(manifest, inspection.probabilities);
      const explanation = await batcher.runInBackground(() =>
        explainer.explain(versionId, prepared.input, classIndex),
      );
      const png = await renderHeatmapOverlay(
        bytes,
        { values: explanation.values, height: explanation.height, width: explanation.width },
        manifest.preprocessing,
        { maxPixels: manifest.preprocessing.maxPixels ?? maxImagePixels },
      );
      const key = heatmapKey(inspection);
      await store.put(key, png, { contentType: 'image/png' });
      const attached = await this.attach(inspection.id, key);
      return attached === 'attached'
        ? { status: 'rendered', key, method: explanation.method }
        : { status: 'skipped', reason: attached };
    } finally {
      lease.release();
    }
  }

  /** Sets heatmap_key only where none is set; removes the object again if nothing references it. */
  private async attach(
    inspectionId: string,
    key: string,
  ): Promise<'attached' | 'inspection no longer exists' | 'heatmap already rendered'> {
    const { inspections, store } = this.deps;
    if (await inspections.attachHeatmap(inspectionId, key)) return 'attached';
    const stored = await inspections.findHeatmapKey(inspectionId);
    if (stored === undefined) {
      await store.delete(key);
      return 'inspection no longer exists';
    }
    if (stored !== key) await store.delete(key);
    return 'heatmap already rendered';
  }
}
