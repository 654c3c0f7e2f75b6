import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type ObjectStore } from '@linescope/storage';
import {
  freezeUpTo,
  importPretrainedBackbone,
  loadModelArtifact,
  transferWeightsByName,
  type ModelManifestInput,
} from '@linescope/vision/artifacts';
import { FastBatchNorm } from '@linescope/vision/layers';
import { buildModel } from '@linescope/vision/models';
import { type PreprocessSpec } from '@linescope/vision/preprocess';
import { readCurves } from '../checklist/curves.check';
import { type Finding } from '../checklist/finding.types';
import { classWeights as computeClassWeights } from '../data/class.weights';
import { type DatasetFingerprint } from '../data/dataset.fingerprint';
import { type SplitStats } from '../data/split.stats';
import { createDistillationTask, type Teacher } from '../distill/distillation.task';
import { createSchedule } from '../schedules/lr.schedule';
import { chunkBatches, normalizedBatch, stepsPerEpoch as countStepsPerEpoch } from './batch.pipeline';
import { recalibrateBatchNorms } from './batch-norm.recalibrate';
import { INITIAL_EARLY_STOPPING, type EarlyStoppingState, updateEarlyStopping } from './early.stopping';
import { toEpochRecord } from './epoch.records';
import { scaleClassifierHeads } from './head.init';
import { crossEntropyTask, type LossTask } from './loss.task';
import { defectScoring } from './model.predict';
import { evaluate, evaluationSummary, type Evaluation } from './model.evaluate';
import { ProgressThrottle } from './progress.throttle';
import { renderTrainingCharts, type TrainingCharts } from './training.charts';
import { runChecklist } from './training.checklist';
import {
  assignWeights,
  CHECKPOINT_FILE,
  loadCheckpoint,
  saveCheckpoint,
  snapshotWeights,
} from './training.checkpoint';
import {
  modelSpecFor,
  preprocessSpecFor,
  resolveTrainingConfig,
  scheduleOptionsFor,
  testTimeViewsFor,
  type TrainingConfig,
} from './training.config';
import { splitMembersOf, type SplitMembers } from './split.members';
import { type RunContext } from './training.context';
import { prepareDataset, type ImageReader, type PreparedDataset } from './training.dataset';
import { type EpochSummary, type TrainingHooks } from './training.hooks';
import { formatEpoch, runEpoch } from './training.loop';
import { createTrainingOptimizer, optimizerSettingsOf } from './training.optimizer';

export interface TrainDeps {
  hooks?: TrainingHooks;
  /** Reads a sample's bytes by key (default: the key is a file path). */
  readImage?: ImageReader;
  /** Checkpoints go here after every epoch; a run finding one there resumes from it. */
  checkpoint?: { store: ObjectStore; prefix: string };
  /** Where `distillation.teacher` and `fineTune.pretrained` artifacts are read. */
  artifactStore?: ObjectStore;
  /** A teacher the caller already loaded (it stays the caller's to dispose); overrides `distillation.teacher`. */
  teacher?: Teacher & { id?: string };
  /** Minimum time between two `onProgress` calls. Default 1000 ms. */
  progressIntervalMs?: number;
}

export interface TrainResult {
  /** The trained model (best epoch's weights when early stopping is on); the caller disposes it. */
  model: tfl.LayersModel;
  /** The config actually used, every default and derived value filled in: save it beside the model. */
  config: TrainingConfig;
  classNames: string[];
  positiveClasses: string[];
  preprocessing: PreprocessSpec;
  fingerprint: DatasetFingerprint;
  splitStats: SplitStats;
  /** The image ids of train, validation and test: save it as `split.json` beside the model. */
  split: SplitMembers;
  history: EpochSummary[];
  findings: Finding[];
  evaluation: Evaluation;
  charts: TrainingCharts;
  /** Ready for `saveModelArtifact`. */
  manifest: ModelManifestInput;
  stopReason: 'completed' | 'early-stopped';
  bestEpoch: number | null;
  resumedFromEpoch: number | null;
  wallSeconds: number;
}

/**
 * Trains a model from a config: data decoded once and split, the checklist (unless resuming), the epoch loop
 * with per-epoch validation, early stopping and checkpoints, the curve reading, the evaluation on the test split
 * and a manifest ready to save. Cancellation (`shouldStop`) throws a `TrainingCancelledError`; the last
 * checkpoint stays, and the same call with the same checkpoint prefix resumes from it.
 */
export async function train(configInput: unknown, deps: TrainDeps = {}): Promise<TrainResult> {
  const started = Date.now();
  const hooks = deps.hooks ?? {};
  const log = (line: string): void => hooks.onLog?.(line);
  const throttle = new ProgressThrottle(hooks.onProgress?.bind(hooks), deps.progressIntervalMs ?? 1000);
  let config = resolveTrainingConfig(configInput);
  const requestedConfig = config;
  const preprocessing = preprocessSpecFor(config);

  throttle.report({ phase: 'loading-data' }, true);
  const dataset = await prepareDataset(config, preprocessing, {
    readImage: deps.readImage,
    onLoaded: (done, total) => throttle.report({ phase: 'loading-data', step: done, stepsPerEpoch: total }),
  });
  log(
    `data: ${dataset.samples.length} images, classes ${dataset.classNames.join(', ')}; train ${dataset.split.train.length}, validation ${dataset.split.validation.length}, test ${dataset.split.test.length}; fingerprint ${dataset.fingerprint.sha256.slice(0, 12)}`,
  );

  const numClasses = dataset.classNames.length;
  const model = buildModel(modelSpecFor(config, numClasses));
  const cleanup: (() => void)[] = [];
  try {
    const transferred = await applyFineTuning(model, config, deps, log);
    const scaledHeads = scaleClassifierHeads(model, config.headInitScale, transferred);
    if (scaledHeads.length > 0)
      log(`initialised the heads ${scaledHeads.join(', ')} near 0 (x${config.headInitScale})`);
    const teacher = await resolveTeacher(config, deps, dataset, cleanup);
    const trainLabels = dataset.split.train.map((i) => dataset.samples[i].label);
    const weights =
      config.imbalance === 'weighted-loss' ? computeClassWeights(trainLabels, numClasses) : null;
    const createTask = (c: TrainingConfig): LossTask =>
      teacher
        ? createDistillationTask({
            teacher,
            mode: c.distillation.mode === 'soft' ? 'soft' : 'hard',
            alpha: c.distillation.alpha,
            tau: c.distillation.tau,
            labelSmoothing: c.labelSmoothing,
            classWeights: weights,
            studentPreprocessing: preprocessing,
            ownsTeacher: false,
          })
        : crossEntropyTask({ labelSmoothing: c.labelSmoothing, classWeights: weights });
    let task = createTask(config);
    cleanup.push(() => task.dispose());
    const ctx: RunContext = {
      config,
      model,
      task,
      createTask: (c) => (c.labelSmoothing === config.labelSmoothing ? task : createTask(c)),
      dataset,
      source: {
        cache: dataset.cache,
        labels: dataset.samples.map((s) => s.label),
        normalization: preprocessing.normalization,
      },
      trainLabels,
      scoring: defectScoring(dataset.classNames, dataset.positiveClasses),
      classWeights: weights,
      hooks,
      throttle,
      log,
    };

    const checkpoint = deps.checkpoint
      ? await loadCheckpoint(deps.checkpoint.store, deps.checkpoint.prefix)
      : null;
    let findings: Finding[] = [];
    let history: EpochSummary[] = [];
    let earlyStopping: EarlyStoppingState = INITIAL_EARLY_STOPPING;
    let globalStep = 0;
    let startEpoch = 0;
    let bestWeights: tf.NamedTensorMap | null = null;
    let bestFolder: string | null = null;
    cleanup.push(() => {
      if (bestWeights) tf.dispose(Object.values(bestWeights));
    });
    if (checkpoint) {
      if (checkpoint.state.fingerprint !== dataset.fingerprint.sha256) {
        throw new Error(
          'the checkpoint was made from other data (dataset fingerprint differs): refusing to resume',
        );
      }
      const changed = changedSettings(checkpoint.state.requestedConfig, requestedConfig);
      if (changed.length > 0) {
        throw new Error(
          `the checkpoint was made by a run with other settings (${changed.join(', ')} differ): refusing to ` +
            'resume it with these; start the run under another name, or remove its checkpoint to start over',
        );
      }
      assignWeights(model, checkpoint.weights);
      tf.dispose(Object.values(checkpoint.weights));
      ({ config, findings, history, earlyStopping, globalStep } = checkpoint.state);
      startEpoch = checkpoint.state.epoch;
      bestWeights = checkpoint.bestWeights;
      bestFolder = checkpoint.state.bestFolder;
      log(`resuming from the checkpoint after epoch ${startEpoch} (step ${globalStep})`);
    } else {
      if (config.fineTune.recalibrateBatchNorms) {
        const batches = chunkBatches(dataset.split.train, config.batchSize);
        const norms = recalibrateBatchNorms(model, batches.length, (index) =>
          normalizedBatch(dataset.cache, batches[index], preprocessing.normalization),
        );
        log(
          `fine-tuning: re-estimated the moving statistics of ${norms} batch norms on ${dataset.split.train.length} training images`,
        );
      }
      const outcome = await runChecklist(ctx);
      findings = outcome.findings;
      config = outcome.config;
    }
    if (config.labelSmoothing !== ctx.config.labelSmoothing) {
      task.dispose();
      task = createTask(config);
    }
    ctx.config = config;
    ctx.task = task;

    const stepsPerEpoch = countStepsPerEpoch(dataset.split.train.length, config.batchSize);
    const totalSteps = config.epochs * stepsPerEpoch;
    const scheduleOptions = scheduleOptionsFor(config.schedule, totalSteps);
    if ('totalSteps' in scheduleOptions)
      config = { ...config, schedule: { ...config.schedule, totalSteps: scheduleOptions.totalSteps } };
    ctx.config = config;
    const schedule = createSchedule(scheduleOptions);
    const optimizer = createTrainingOptimizer(optimizerSettingsOf(config), model.trainableWeights);
    cleanup.push(() => optimizer.dispose());
    if (checkpoint) {
      await optimizer.setState(checkpoint.optimizerState);
      tf.dispose(checkpoint.optimizerState.map((w) => w.tensor));
    }

    let stopReason: TrainResult['stopReason'] = 'completed';
    throttle.restart();
    const stoppedEarlier =
      config.earlyStopping.enabled && earlyStopping.epochsWithoutImprovement >= config.earlyStopping.patience;
    for (let epoch = startEpoch; epoch < config.epochs && !stoppedEarlier; epoch++) {
      const { summary, globalStep: next } = await runEpoch(
        ctx,
        task,
        optimizer,
        schedule,
        { epoch, epochs: config.epochs, globalStep, totalSteps, phase: 'training' },
        config.clipNorm,
      );
      globalStep = next;
      history = [...history, summary];
      log(formatEpoch(summary, config.epochs));
      throttle.report(
        {
          phase: 'training',
          epoch: epoch + 1,
          epochs: config.epochs,
          step: summary.steps,
          stepsPerEpoch,
          loss: summary.trainLoss,
          accuracy: summary.trainAccuracy,
          learningRate: summary.learningRate,
          etaSeconds: throttle.eta(totalSteps - globalStep),
          globalStep,
          totalSteps,
        },
        true,
      );
      await hooks.onEpoch?.(summary);

      const update = updateEarlyStopping(
        earlyStopping,
        metricOf(summary, config),
        epoch + 1,
        config.earlyStopping,
      );
      earlyStopping = update.state;
      if (config.earlyStopping.enabled && update.improved) {
        if (bestWeights) tf.dispose(Object.values(bestWeights));
        bestWeights = snapshotWeights(model);
      }
      if (deps.checkpoint) {
        const saved = await saveCheckpoint(deps.checkpoint.store, deps.checkpoint.prefix, {
          model,
          optimizer,
          state: {
            epoch: epoch + 1,
            globalStep,
            history,
            earlyStopping,
            findings,
            config,
            requestedConfig,
            fingerprint: dataset.fingerprint.sha256,
          },
          isBest: config.earlyStopping.enabled && update.improved,
          previousBestFolder: bestFolder,
        });
        bestFolder = saved.bestFolder;
        await hooks.onCheckpoint?.({
          key: `${deps.checkpoint.prefix.replace(/\/?$/, '/')}${CHECKPOINT_FILE}`,
          epoch: epoch + 1,
        });
      }
      if (config.earlyStopping.enabled && update.stop && epoch + 1 < config.epochs) {
        stopReason = 'early-stopped';
        log(
          `early stopping: no ${config.earlyStopping.metric} improvement for ${config.earlyStopping.patience} epochs; best epoch ${earlyStopping.bestEpoch}`,
        );
        break;
      }
    }
    if (stoppedEarlier) stopReason = 'early-stopped';
    if (config.earlyStopping.enabled && bestWeights) {
      assignWeights(model, bestWeights);
      log(`restored the weights of epoch ${earlyStopping.bestEpoch}`);
    }

    if (config.checklist.curves.enabled) {
      // Read where the kept weights were: early stopping restored its best epoch.
      const keptEpoch = config.earlyStopping.enabled && bestWeights ? earlyStopping.bestEpoch : null;
      for (const finding of readCurves(history.map(toEpochRecord), { keptEpoch })) {
        findings = [...findings, finding];
        log(`checklist ${finding.check}: ${finding.status} - ${finding.message}`);
        await hooks.onFinding?.(finding);
      }
    }

    throttle.report({ phase: 'evaluating' }, true);
    const evaluation = await evaluate(model, ctx.source, dataset.split, {
      classNames: dataset.classNames,
      positiveClasses: dataset.positiveClasses,
      targetRecall: config.evaluation.targetRecall,
      band: config.evaluation.band,
      calibrationBins: config.evaluation.calibrationBins,
      batchSize: config.batchSize,
      views: testTimeViewsFor(config),
    });
    const charts = await renderTrainingCharts(
      history,
      schedule,
      totalSteps,
      evaluation.defect ? { curve: evaluation.defect.rocCurve, auc: evaluation.defect.rocAuc } : null,
    );
    const bestEpoch = config.earlyStopping.enabled ? earlyStopping.bestEpoch : null;
    const manifest = manifestFor({
      config,
      dataset,
      preprocessing,
      evaluation,
      history,
      bestEpoch,
      teacherId: teacher ? teacherIdOf(config, deps) : undefined,
    });
    return {
      model,
      config,
      classNames: dataset.classNames,
      positiveClasses: dataset.positiveClasses,
      preprocessing,
      fingerprint: dataset.fingerprint,
      splitStats: dataset.stats,
      split: splitMembersOf(dataset),
      history,
      findings,
      evaluation,
      charts,
      manifest,
      stopReason,
      bestEpoch,
      resumedFromEpoch: checkpoint ? checkpoint.state.epoch : null,
      wallSeconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    for (const release of cleanup.reverse()) release();
  }
}

function metricOf(summary: EpochSummary, config: TrainingConfig): number {
  switch (config.earlyStopping.metric) {
    case 'valLoss':
      return summary.valLoss;
    case 'valAccuracy':
      return summary.valAccuracy;
    case 'valRocAuc':
      return summary.valRocAuc ?? Number.NaN;
  }
}

async function applyFineTuning(
  model: tfl.LayersModel,
  config: TrainingConfig,
  deps: TrainDeps,
  log: (line: string) => void,
): Promise<Set<string>> {
  const { pretrained, freezeUpTo: boundary } = config.fineTune;
  const copied = new Set<string>();
  if (pretrained) {
    let source: tfl.LayersModel;
    if (pretrained.kind === 'artifact') {
      if (!deps.artifactStore)
        throw new Error('fineTune.pretrained is an artifact but no artifactStore was given');
      source = (await loadModelArtifact(deps.artifactStore, pretrained.prefix)).model;
    } else {
      source = await importPretrainedBackbone(pretrained.path, { strict: false });
    }
    const report = transferWeightsByName(source, model);
    source.dispose();
    for (const layer of report.copied) copied.add(layer.layer);
    log(
      `fine-tuning: copied ${report.copied.length} layers from ${pretrained.kind === 'artifact' ? pretrained.prefix : pretrained.path}, kept ${report.skipped.length} as initialised`,
    );
  }
  if (boundary) {
    const summary = freezeUpTo(model, boundary);
    log(`fine-tuning: froze ${summary.frozen.length} layers up to ${boundary}`);
  }
  if (config.fineTune.freezeBatchNorms) {
    // The zoo's batch norms are all FastBatchNorm, which runs frozen in inference mode (tfjs' own would not).
    const norms = model.layers.filter((layer) => layer instanceof FastBatchNorm);
    for (const layer of norms) layer.trainable = false;
    log(`fine-tuning: froze all ${norms.length} batch norms`);
  }
  const momentum = config.fineTune.batchNormMomentum;
  if (momentum !== undefined) {
    const trainable = model.layers.filter(
      (layer): layer is FastBatchNorm => layer instanceof FastBatchNorm && layer.trainable,
    );
    for (const layer of trainable) layer.momentum = momentum;
    log(`fine-tuning: moving-average momentum ${momentum} for the ${trainable.length} trainable batch norms`);
  }
  return copied;
}

async function resolveTeacher(
  config: TrainingConfig,
  deps: TrainDeps,
  dataset: PreparedDataset,
  cleanup: (() => void)[],
): Promise<Teacher | null> {
  if (config.distillation.mode === 'none') return null;
  if (deps.teacher) return deps.teacher;
  if (!config.distillation.teacher || !deps.artifactStore) {
    throw new Error(
      'distillation needs a teacher: give deps.teacher, or distillation.teacher and an artifactStore',
    );
  }
  const { model, manifest } = await loadModelArtifact(deps.artifactStore, config.distillation.teacher);
  cleanup.push(() => model.dispose());
  if (manifest.classNames.join('\n') !== dataset.classNames.join('\n')) {
    throw new Error(
      `the teacher's classes [${manifest.classNames.join(', ')}] differ from the data's [${dataset.classNames.join(', ')}]`,
    );
  }
  return { model, preprocessing: manifest.preprocessing };
}

function teacherIdOf(config: TrainingConfig, deps: TrainDeps): string | undefined {
  return deps.teacher?.id ?? config.distillation.teacher;
}

function manifestFor(input: {
  config: TrainingConfig;
  dataset: PreparedDataset;
  preprocessing: PreprocessSpec;
  evaluation: Evaluation;
  history: EpochSummary[];
  bestEpoch: number | null;
  teacherId?: string;
}): ModelManifestInput {
  const { config, dataset, preprocessing, evaluation } = input;
  const op = evaluation.defect?.operatingPoint;
  // Without an ok class (every class a defect type) or a usable validation split, 0.5 stands in: every
  // decision then comes from the class probabilities, and the manifest says so in its metrics.
  const threshold = op ? op.threshold.threshold : 0.5;
  const band = op ? { low: op.band.low, high: op.band.high } : { low: threshold, high: threshold };
  return {
    architecture: modelSpecFor(config, dataset.classNames.length),
    inputSize: preprocessing.inputSize,
    preprocessing,
    classNames: dataset.classNames,
    positiveClasses: dataset.positiveClasses.length > 0 ? dataset.positiveClasses : [...dataset.classNames],
    operatingPoint: { threshold, uncertainBand: band },
    trainingConfig: config,
    metrics: {
      ...evaluationSummary(evaluation),
      operatingPointFromValidation: op !== undefined && op !== null,
      epochsTrained: input.history.length,
      bestEpoch: input.bestEpoch,
      datasetSha256: dataset.fingerprint.sha256,
    },
    ...(input.teacherId ? { teacherVersion: input.teacherId } : {}),
    ...(evaluation.views.length > 1 ? { testTimeViews: evaluation.views } : {}),
  };
}

/** Top-level settings in which two requested configs differ; none when the checkpoint predates the record. */
function changedSettings(saved: TrainingConfig | undefined, requested: TrainingConfig): string[] {
  if (saved === undefined) return [];
  const keys = new Set([...Object.keys(saved), ...Object.keys(requested)]);
  const field = (config: TrainingConfig, key: string): string =>
    JSON.stringify((config as unknown as Record<string, unknown>)[key]) ?? 'undefined';
  return [...keys].filter((key) => field(saved, key) !== field(requested, key));
}
