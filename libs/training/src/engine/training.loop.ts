import { deriveSeed } from '../random/rng';
import { type Schedule } from '../schedules/lr.schedule';
import { chunkBatches, disposeBatch, epochOrder, makeBatch } from './batch.pipeline';
import { type LossTask } from './loss.task';
import { predictProbabilities, splitMetrics, type SplitMetrics } from './model.predict';
import { augmenterFor, mixerFor, type RunContext } from './training.context';
import { TrainingCancelledError, type EpochSummary, type TrainingPhase } from './training.hooks';
import { type TrainingOptimizer } from './training.optimizer';
import { trainStep, yieldToEventLoop } from './training.step';

export interface EpochPlan {
  /** 0-based epoch index. */
  epoch: number;
  epochs: number;
  /** Optimisation steps taken before this epoch. */
  globalStep: number;
  /** All steps of the phase, for the time estimate. */
  totalSteps: number;
  phase: TrainingPhase;
  /** Another seed stream for candidate runs, so they do not reuse the real run's order. */
  stream?: string;
}

/** Polls the cancellation hook; throws `TrainingCancelledError` when it says stop. */
export async function checkCancelled(ctx: RunContext, completedEpochs: number): Promise<void> {
  const stop = ctx.hooks.shouldStop ? await ctx.hooks.shouldStop() : false;
  if (stop) throw new TrainingCancelledError(completedEpochs);
}

/** The training batches of one epoch: train-split sample indices, in the epoch's seeded order. */
export function epochBatches(ctx: RunContext, epoch: number, stream = 'main'): number[][] {
  const { config } = ctx;
  const seed = stream === 'main' ? config.seed : deriveSeed(config.seed, stream);
  const order = epochOrder(ctx.trainLabels, epoch, {
    seed,
    balanced: config.imbalance === 'balanced-sampling',
  });
  const train = ctx.dataset.split.train;
  return chunkBatches(
    order.map((position) => train[position]),
    config.batchSize,
  );
}

/** One pass over the training split. */
export async function trainEpoch(
  ctx: RunContext,
  task: LossTask,
  optimizer: TrainingOptimizer,
  schedule: Schedule,
  plan: EpochPlan,
  clipNorm?: number,
): Promise<{
  trainLoss: number;
  trainAccuracy: number;
  learningRate: number;
  steps: number;
  globalStep: number;
}> {
  const batches = epochBatches(ctx, plan.epoch, plan.stream);
  const augmenter = augmenterFor(ctx.config, plan.epoch, plan.stream ? `augment-${plan.stream}` : 'augment');
  const mixer = mixerFor(ctx.config, plan.epoch, plan.stream ? `mix-${plan.stream}` : 'mix');
  let globalStep = plan.globalStep;
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  let lr = schedule(globalStep);
  for (const [stepInEpoch, indices] of batches.entries()) {
    await checkCancelled(ctx, plan.epoch);
    lr = schedule(globalStep);
    const batch = makeBatch(ctx.source, indices, { augmenter, mixer, keepPixels: task.needsPixels });
    try {
      const result = await trainStep(ctx.model, task, optimizer, batch, lr, { clipNorm });
      lossSum += result.loss * result.count;
      correct += result.correct;
      seen += result.count;
    } finally {
      disposeBatch(batch);
    }
    globalStep++;
    ctx.throttle.stepDone(indices.length);
    ctx.throttle.report({
      phase: plan.phase,
      epoch: plan.epoch + 1,
      epochs: plan.epochs,
      step: stepInEpoch + 1,
      stepsPerEpoch: batches.length,
      loss: lossSum / seen,
      accuracy: correct / seen,
      learningRate: lr,
      etaSeconds: ctx.throttle.eta(plan.totalSteps - globalStep),
      ...(plan.phase === 'training' ? { globalStep, totalSteps: plan.totalSteps } : {}),
    });
    await yieldToEventLoop();
  }
  return {
    trainLoss: lossSum / seen,
    trainAccuracy: correct / seen,
    learningRate: lr,
    steps: batches.length,
    globalStep,
  };
}

/** Validation-split metrics in inference mode. */
export async function validate(ctx: RunContext): Promise<SplitMetrics> {
  const indices = ctx.dataset.split.validation;
  const probabilities = await predictProbabilities(ctx.model, ctx.source, indices, ctx.config.batchSize);
  return splitMetrics(
    probabilities,
    indices.map((i) => ctx.source.labels[i]),
    ctx.scoring,
  );
}

/** Train one epoch, validate, and summarise. */
export async function runEpoch(
  ctx: RunContext,
  task: LossTask,
  optimizer: TrainingOptimizer,
  schedule: Schedule,
  plan: EpochPlan,
  clipNorm?: number,
): Promise<{ summary: EpochSummary; globalStep: number }> {
  const started = Date.now();
  const trained = await trainEpoch(ctx, task, optimizer, schedule, plan, clipNorm);
  const val = await validate(ctx);
  const summary: EpochSummary = {
    epoch: plan.epoch + 1,
    trainLoss: trained.trainLoss,
    trainAccuracy: trained.trainAccuracy,
    valLoss: val.loss,
    valAccuracy: val.accuracy,
    ...(val.rocAuc === undefined ? {} : { valRocAuc: val.rocAuc }),
    learningRate: trained.learningRate,
    durationSeconds: (Date.now() - started) / 1000,
    steps: trained.steps,
  };
  return { summary, globalStep: trained.globalStep };
}

export function formatEpoch(summary: EpochSummary, epochs: number): string {
  const auc = summary.valRocAuc === undefined ? '' : ` val_auc ${summary.valRocAuc.toFixed(4)}`;
  return (
    `epoch ${summary.epoch}/${epochs}: loss ${summary.trainLoss.toFixed(4)} acc ${summary.trainAccuracy.toFixed(4)} ` +
    `val_loss ${summary.valLoss.toFixed(4)} val_acc ${summary.valAccuracy.toFixed(4)}${auc} ` +
    `lr ${summary.learningRate.toPrecision(3)} (${summary.durationSeconds.toFixed(1)} s)`
  );
}
