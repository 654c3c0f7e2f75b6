import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildModel } from '@linescope/vision/models';
import { compareCandidates, type CandidateRun } from '../checklist/candidates.compare';
import { type EpochRecord, type Finding } from '../checklist/finding.types';
import { checkInitialLoss } from '../checklist/initial-loss.check';
import { analyzeLrRange, lrRangeRates, type LrRangePoint } from '../checklist/lr-range.check';
import { formatLoss, formatLr, formatPercent } from '../checklist/finding.format';
import { checkOverfit, type OverfitStep } from '../checklist/overfit.check';
import { stratifiedSample } from '../checklist/stratified.sample';
import { createRng, deriveSeed } from '../random/rng';
import { createSchedule } from '../schedules/lr.schedule';
import { chunkBatches, disposeBatch, makeBatch, stepsPerEpoch } from './batch.pipeline';
import { correctCount, softmaxCrossEntropy } from './cross-entropy.loss';
import { crossEntropyTask, inferenceLogits, modelOutputs } from './loss.task';
import { assignWeights, snapshotWeights } from './training.checkpoint';
import { augmenterFor, mixerFor, type RunContext } from './training.context';
import {
  modelSpecFor,
  scheduleOptionsFor,
  type CandidateConfig,
  type TrainingConfig,
} from './training.config';
import { checkCancelled, epochBatches, runEpoch } from './training.loop';
import { createTrainingOptimizer, optimizerSettingsOf } from './training.optimizer';
import { trainStep, yieldToEventLoop } from './training.step';
import { toEpochRecord } from './epoch.records';
import { checkHeldOutAfterOverfit } from './label-sanity.check';

export interface ChecklistOutcome {
  findings: Finding[];
  /** The config to train with: the lr-range proposal or the best candidate applied when configured. */
  config: TrainingConfig;
}

/**
 * The checklist before training: (a) initial loss vs ln(C), (b) overfitting a small sample, (c) an lr range test,
 * (d) short candidate runs. Every phase puts the model's initial weights back (moving averages included), so
 * nothing leaks into the real run. Each finding goes to `onFinding` as soon as it is known.
 */
export async function runChecklist(ctx: RunContext): Promise<ChecklistOutcome> {
  const findings: Finding[] = [];
  let config = ctx.config;
  const report = async (finding: Finding): Promise<void> => {
    findings.push(finding);
    ctx.log(`checklist ${finding.check}: ${finding.status} - ${finding.message}`);
    await ctx.hooks.onFinding?.(finding);
  };
  const initial = snapshotWeights(ctx.model);
  try {
    const options = config.checklist;
    if (options.initialLoss.enabled) {
      await report(await initialLossFinding(ctx, options.initialLoss.batches));
      assignWeights(ctx.model, initial);
    }
    if (options.overfit.enabled) {
      for (const finding of await overfitFindings(ctx, initial)) await report(finding);
    }
    if (options.lrRange.enabled) {
      const finding = await lrRangeFinding(ctx);
      assignWeights(ctx.model, initial);
      await report(finding);
      if (options.lrRange.apply && typeof finding.evidence.suggestedLr === 'number') {
        config = withLearningRate(config, finding.evidence.suggestedLr);
        ctx.log(`using the proposed learning rate ${finding.evidence.suggestedLr}`);
      }
    }
    if (options.candidates.runs.length > 0) {
      const outcome = await candidatesFinding({ ...ctx, config }, initial);
      await report(outcome.finding);
      if (outcome.best) {
        config = applyOverrides(config, outcome.best);
        ctx.log(`training with candidate "${outcome.best.name}"`);
      }
    }
  } finally {
    assignWeights(ctx.model, initial);
    tf.dispose(Object.values(initial));
  }
  return { findings, config };
}

/** (a) Plain cross-entropy (class-weighted when the run weights it) of the untrained model on a few batches. */
async function initialLossFinding(ctx: RunContext, batches: number): Promise<Finding> {
  ctx.throttle.report({ phase: 'checklist:initial-loss' }, true);
  const weights = ctx.classWeights ? tf.tensor1d(ctx.classWeights) : null;
  let sum = 0;
  let count = 0;
  try {
    for (const indices of epochBatches(ctx, 0, 'initial-loss').slice(0, batches)) {
      await checkCancelled(ctx, 0);
      const batch = makeBatch(ctx.source, indices);
      // Batch statistics and dropout, as the first training step sees them.
      const loss = tf.tidy(() =>
        softmaxCrossEntropy(inferenceLogits(modelOutputs(ctx.model, batch.inputs, true)), batch.labels, {
          classWeights: weights,
        }),
      );
      sum += (await loss.data())[0] * indices.length;
      count += indices.length;
      loss.dispose();
      disposeBatch(batch);
    }
  } finally {
    weights?.dispose();
  }
  return checkInitialLoss(sum / count, ctx.dataset.classNames.length, { weighted: weights !== null });
}

/**
 * (b) A copy of the model without dropout, trained on `samples` training images (balanced across classes)
 * with plain cross-entropy, no augmentation, no weight decay, until it memorises them; then the same copy on
 * held-out images, which only beats chance when the labels belong to the images.
 */
async function overfitFindings(ctx: RunContext, initial: tf.NamedTensorMap): Promise<Finding[]> {
  const { config } = ctx;
  const options = config.checklist.overfit;
  const twin = buildModel(modelSpecFor(config, ctx.dataset.classNames.length, 0));
  assignWeights(twin, initial);
  const optimizer = createTrainingOptimizer(
    { ...optimizerSettingsOf(config), weightDecay: 0 },
    twin.trainableWeights,
  );
  const task = crossEntropyTask();
  const sample = balancedSample(ctx, options.samples);
  const lr = options.lr ?? config.schedule.lr;
  const history: OverfitStep[] = [];
  const batch = makeBatch(ctx.source, sample);
  try {
    for (let step = 0; step < options.steps; step++) {
      await checkCancelled(ctx, 0);
      const result = await trainStep(twin, task, optimizer, batch, lr);
      history.push({ step, loss: result.loss, accuracy: result.correct / result.count });
      ctx.throttle.report({
        phase: 'checklist:overfit',
        step: step + 1,
        loss: result.loss,
        accuracy: result.correct / result.count,
        learningRate: lr,
      });
      if (!Number.isFinite(result.loss)) break;
      await yieldToEventLoop();
    }
    // Every logged loss was measured before its update: one more pass gives the state after the last step.
    const final = tf.tidy(() => {
      const logits = inferenceLogits(modelOutputs(twin, batch.inputs, true));
      return [softmaxCrossEntropy(logits, batch.labels), correctCount(logits, batch.labels)];
    });
    const [loss, correct] = await Promise.all(final.map((t) => t.data()));
    tf.dispose(final);
    history.push({ step: options.steps, loss: loss[0], accuracy: correct[0] / sample.length });
    const heldOut = await heldOutAccuracy(ctx, twin);
    const finding = checkOverfit(history);
    return [
      { ...finding, evidence: { ...finding.evidence, samples: sample.length, lr } },
      checkHeldOutAfterOverfit(heldOut.accuracy, heldOut.labels),
    ];
  } finally {
    disposeBatch(batch);
    optimizer.dispose();
    task.dispose();
    twin.dispose();
  }
}

/** Validation images the held-out check scores: a seeded draw with every class in proportion (the split is ordered by label). */
const HELD_OUT_SAMPLE = 128;

/** Accuracy of the memorising model on a stratified sample of validation images (batch statistics, as it was trained). */
async function heldOutAccuracy(
  ctx: RunContext,
  model: tfl.LayersModel,
): Promise<{ accuracy: number; labels: number[] }> {
  const sample = stratifiedSample(
    ctx.dataset.split.validation,
    (index) => ctx.source.labels[index],
    HELD_OUT_SAMPLE,
    deriveSeed(ctx.config.seed, 'held-out-sample'),
  );
  // Shuffled, so every batch mixes the classes: the model normalises with batch statistics, which would erase
  // what tells the classes apart in a batch of one class.
  const indices = createRng(deriveSeed(ctx.config.seed, 'held-out-order')).shuffle(sample);
  let correct = 0;
  for (const chunk of chunkBatches(indices, ctx.config.batchSize)) {
    const batch = makeBatch(ctx.source, chunk);
    const hits = tf.tidy(() =>
      correctCount(inferenceLogits(modelOutputs(model, batch.inputs, true)), batch.labels),
    );
    correct += (await hits.data())[0];
    tf.dispose([hits]);
    disposeBatch(batch);
  }
  return { accuracy: correct / indices.length, labels: indices.map((i) => ctx.source.labels[i]) };
}

/** `count` training images, as equal per class as the split allows, seeded. */
function balancedSample(ctx: RunContext, count: number): number[] {
  const rng = createRng(deriveSeed(ctx.config.seed, 'overfit-sample'));
  const byClass = new Map<number, number[]>();
  for (const index of ctx.dataset.split.train) {
    const label = ctx.source.labels[index];
    byClass.set(label, [...(byClass.get(label) ?? []), index]);
  }
  const queues = [...byClass.values()].map((members) => rng.shuffle(members));
  const picked: number[] = [];
  for (let round = 0; picked.length < count && queues.some((q) => q.length > 0); round++) {
    for (const queue of queues) {
      const next = queue.shift();
      if (next !== undefined && picked.length < count) picked.push(next);
    }
  }
  return picked;
}

/** (c) About `iterations` steps with the rate growing geometrically; stops at the first non-finite loss. */
async function lrRangeFinding(ctx: RunContext): Promise<Finding & { evidence: Finding['evidence'] }> {
  const { config } = ctx;
  const options = config.checklist.lrRange;
  const rates = lrRangeRates(options.minLr, options.maxLr, options.iterations);
  const optimizer = createTrainingOptimizer(optimizerSettingsOf(config), ctx.model.trainableWeights);
  const points: LrRangePoint[] = [];
  try {
    let epoch = 0;
    let batches = epochBatches(ctx, epoch, 'lr-range');
    let cursor = 0;
    for (const [step, lr] of rates.entries()) {
      await checkCancelled(ctx, 0);
      if (cursor >= batches.length) {
        batches = epochBatches(ctx, ++epoch, 'lr-range');
        cursor = 0;
      }
      const batch = makeBatch(ctx.source, batches[cursor++], {
        augmenter: augmenterFor(config, step, 'augment-lr-range'),
        mixer: mixerFor(config, step, 'mix-lr-range'),
        keepPixels: ctx.task.needsPixels,
      });
      try {
        const result = await trainStep(ctx.model, ctx.task, optimizer, batch, lr, {
          clipNorm: config.clipNorm,
        });
        points.push({ lr, loss: result.loss });
        ctx.throttle.report({
          phase: 'checklist:lr-range',
          step: step + 1,
          loss: result.loss,
          learningRate: lr,
        });
        if (!Number.isFinite(result.loss)) break;
      } finally {
        disposeBatch(batch);
      }
      await yieldToEventLoop();
    }
  } finally {
    optimizer.dispose();
  }
  const { check, status, message, evidence } = analyzeLrRange(points);
  const proposed = typeof evidence.suggestedLr === 'number';
  const action =
    options.apply && proposed
      ? `applied: the run trains at ${formatLr(evidence.suggestedLr as number)}`
      : `reported only: the run trains at schedule.lr ${formatLr(config.schedule.lr)}${proposed ? ' (checklist.lrRange.apply takes the proposal)' : ''}`;
  return {
    check,
    status,
    message: `${message}; ${action}`,
    evidence: { ...evidence, applied: options.apply && proposed, configuredLr: config.schedule.lr },
  };
}

function withLearningRate(config: TrainingConfig, lr: number): TrainingConfig {
  const minLr = config.schedule.minLr;
  return {
    ...config,
    schedule: { ...config.schedule, lr, ...(minLr !== undefined && minLr >= lr ? { minLr: lr / 100 } : {}) },
  };
}

function applyOverrides(config: TrainingConfig, candidate: CandidateConfig): TrainingConfig {
  const o = candidate.overrides;
  let next: TrainingConfig = {
    ...config,
    optimizer: {
      ...config.optimizer,
      ...(o.optimizer ? { kind: o.optimizer } : {}),
      ...(o.momentum !== undefined ? { momentum: o.momentum } : {}),
    },
    ...(o.weightDecay !== undefined ? { weightDecay: o.weightDecay } : {}),
    ...(o.labelSmoothing !== undefined ? { labelSmoothing: o.labelSmoothing } : {}),
  };
  if (o.lr !== undefined) next = withLearningRate(next, o.lr);
  return next;
}

/** (d) Each candidate trains `epochs` epochs from the same initial weights; the best by validation wins. */
async function candidatesFinding(
  ctx: RunContext,
  initial: tf.NamedTensorMap,
): Promise<{ finding: Finding; best: CandidateConfig | null }> {
  const options = ctx.config.checklist.candidates;
  const runs: CandidateRun[] = [];
  const steps = stepsPerEpoch(ctx.dataset.split.train.length, ctx.config.batchSize);
  for (const candidate of options.runs) {
    assignWeights(ctx.model, initial);
    const config = applyOverrides(ctx.config, candidate);
    const optimizer = createTrainingOptimizer(optimizerSettingsOf(config), ctx.model.trainableWeights);
    const schedule = createSchedule(scheduleOptionsFor(config.schedule, options.epochs * steps));
    const task = ctx.createTask(config);
    const epochs: EpochRecord[] = [];
    try {
      let globalStep = 0;
      ctx.throttle.restart();
      for (let epoch = 0; epoch < options.epochs; epoch++) {
        const result = await runEpoch(
          { ...ctx, config },
          task,
          optimizer,
          schedule,
          {
            epoch,
            epochs: options.epochs,
            globalStep,
            totalSteps: options.epochs * steps,
            phase: 'checklist:candidates',
            stream: `candidate-${candidate.name}`,
          },
          config.clipNorm,
        );
        globalStep = result.globalStep;
        epochs.push(toEpochRecord(result.summary));
        ctx.log(
          `candidate ${candidate.name}: epoch ${epoch + 1} val_acc ${result.summary.valAccuracy.toFixed(4)} val_loss ${result.summary.valLoss.toFixed(4)}`,
        );
      }
    } finally {
      optimizer.dispose();
      if (task !== ctx.task) task.dispose();
    }
    runs.push({ name: candidate.name, settings: { ...candidate.overrides }, epochs });
  }
  const ranked = compareCandidates(runs, options.metric);
  const winner = ranked[0];
  const best = winner && !winner.diverged ? (options.runs.find((r) => r.name === winner.name) ?? null) : null;
  const evidence: Finding['evidence'] = {
    metric: options.metric,
    epochs: options.epochs,
    runs: ranked.length,
  };
  for (const r of ranked) {
    evidence[`rank${r.rank}`] = r.name;
    evidence[`score:${r.name}`] = Number.isFinite(r.score) ? r.score : String(r.score);
  }
  return {
    finding: {
      check: 'candidates',
      status: best ? 'pass' : 'fail',
      message: best
        ? `best of ${ranked.length} candidates after ${options.epochs} epoch(s): "${best.name}" (${ranked.map((r) => `${r.name} ${scoreText(options.metric, r.score)}`).join(', ')}), expected one clearly ahead; the run trains with "${best.name}"`
        : 'every candidate diverged, expected at least one finite run: lower the learning rates; the run trains with its own settings',
      evidence,
    },
    best,
  };
}

function scoreText(metric: 'valAcc' | 'valLoss', score: number): string {
  return metric === 'valAcc'
    ? `validation accuracy ${formatPercent(score)}`
    : `validation loss ${formatLoss(score)}`;
}
