import { formatLoss, formatPercent } from './finding.format';
import { evidenceNumber, type Finding } from './finding.types';

export interface OverfitStep {
  step: number;
  loss: number;
  accuracy: number;
}

export interface OverfitOptions {
  /** Final accuracy that counts as memorised. Default 0.98. */
  targetAccuracy?: number;
  /** Final loss that counts as "near 0". Default 0.05 nats (about 95% probability on the true class). */
  targetLoss?: number;
}

/**
 * "Overfit one tiny batch": with regularisation off, a correct pipeline drives a handful of samples to ~100%
 * accuracy and ~0 loss. Judged on the last logged step; the hints depend on how the loss moved.
 */
export function checkOverfit(history: readonly OverfitStep[], options: OverfitOptions = {}): Finding {
  const targetAccuracy = options.targetAccuracy ?? 0.98;
  const targetLoss = options.targetLoss ?? 0.05;
  if (history.length === 0) {
    return {
      check: 'overfit-small-sample',
      status: 'fail',
      message: 'no steps were logged',
      evidence: { steps: 0 },
    };
  }
  const first = history[0];
  const last = history[history.length - 1];
  const finiteLosses = history.map((h) => h.loss).filter(Number.isFinite);
  const firstNonFinite = history.find((h) => !Number.isFinite(h.loss));
  const reached = history.find((h) => h.accuracy >= targetAccuracy);
  const evidence = {
    steps: history.length,
    lastStep: last.step,
    initialLoss: evidenceNumber(first.loss),
    finalLoss: evidenceNumber(last.loss),
    minLoss: finiteLosses.length > 0 ? Math.min(...finiteLosses) : 'NaN',
    finalAccuracy: last.accuracy,
    bestAccuracy: Math.max(...history.map((h) => h.accuracy)),
    stepToTargetAccuracy: reached?.step ?? -1,
    targetAccuracy,
    targetLoss,
  };
  const finding = (status: Finding['status'], message: string): Finding => ({
    check: 'overfit-small-sample',
    status,
    message,
    evidence,
  });

  const expected = `expected accuracy ≥ ${formatPercent(targetAccuracy)} and loss ≤ ${formatLoss(targetLoss)}`;
  const measured = `accuracy ${formatPercent(last.accuracy)}, loss ${formatLoss(last.loss)} after ${history.length - 1} steps`;
  const carriedOn = 'the run carried on (the checklist reports, it does not stop a training)';
  if (firstNonFinite) {
    return finding(
      'fail',
      `loss became ${firstNonFinite.loss} at step ${firstNonFinite.step}, ${expected}: the learning rate is too high (try 10x lower) or the loss takes log(0); ${carriedOn}`,
    );
  }
  const accuracyReached = last.accuracy >= targetAccuracy;
  if (accuracyReached && last.loss <= targetLoss) {
    return finding(
      'pass',
      `memorised the sample: ${measured}, ${expected}: the model, optimiser and labels fit data`,
    );
  }
  if (accuracyReached) {
    return finding(
      'warn',
      `${measured}, ${expected}: the accuracy was reached but the loss stayed up; turn off dropout, weight decay, label smoothing and augmentation for this test, or give it more steps; ${carriedOn}`,
    );
  }
  const lossBarelyMoved = last.loss >= 0.9 * first.loss;
  const hint = lossBarelyMoved
    ? 'the loss barely moved: raise the learning rate (10x), check the optimiser updates the trainable weights and that gradients reach them (code)'
    : 'the loss fell but stalled: check the images and labels stay paired, try a lower learning rate if it oscillates, a better initialisation, or a bigger architecture';
  return finding('fail', `could not memorise the sample: ${measured}, ${expected}; ${hint}; ${carriedOn}`);
}
