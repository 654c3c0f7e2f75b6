import { formatLoss, formatPercent } from './finding.format';
import { evidenceNumber, type Finding } from './finding.types';

export interface InitialLossOptions {
  /** The loss uses class weights. */
  weighted?: boolean;
  /** Relative distance from ln(C) that still passes; twice this warns, beyond fails. Default 0.25 (0.5 weighted). */
  relativeTolerance?: number;
}

/**
 * A freshly initialised classifier predicts about 1/C for every class, so its cross-entropy is ln(C).
 * Far from it means a data, label or initialisation problem. Tolerance is relative to ln(C): within 25% passes,
 * within 50% warns, beyond fails. A weighted loss gets twice the tolerance: normalised by the weight sum it is
 * still ln(C), but a plain mean of weighted terms is ln(C) x the batch's mean label weight, which moves with
 * the batch's class mix.
 */
export function checkInitialLoss(
  initialLoss: number,
  numClasses: number,
  options: InitialLossOptions = {},
): Finding {
  if (!Number.isInteger(numClasses) || numClasses < 2)
    throw new RangeError(`numClasses must be >= 2, got ${numClasses}`);
  const weighted = options.weighted ?? false;
  const tolerance = options.relativeTolerance ?? (weighted ? 0.5 : 0.25);
  const expected = Math.log(numClasses);
  const relativeError = Math.abs(initialLoss - expected) / expected;
  const evidence = {
    initialLoss: evidenceNumber(initialLoss),
    expectedLoss: expected,
    numClasses,
    relativeError: evidenceNumber(relativeError),
    tolerance,
    weighted,
  };
  const finding = (status: Finding['status'], message: string): Finding => ({
    check: 'initial-loss',
    status,
    message,
    evidence,
  });

  if (!Number.isFinite(initialLoss)) {
    return finding(
      'fail',
      `initial loss is ${initialLoss}, expected ln(${numClasses}) = ${formatLoss(expected)}: check inputs for NaN, a log of 0 in the loss, or labels out of range; the run carried on`,
    );
  }
  const summary = `initial loss ${formatLoss(initialLoss)}, expected ln(${numClasses}) = ${formatLoss(expected)} within ${formatPercent(tolerance)} (off by ${formatPercent(relativeError)})`;
  if (relativeError <= tolerance)
    return finding('pass', `${summary}: the model starts unbiased, guessing every class alike`);
  const hint =
    initialLoss > expected
      ? 'the network starts confident and wrong: initialise the last layer so logits start near 0, normalise inputs, check the labels match the images'
      : 'the loss is lower than chance before training: look for label leakage, a loss computed on the wrong tensor, or a bias initialised to class priors (then expect the entropy of the priors)';
  return finding(relativeError <= 2 * tolerance ? 'warn' : 'fail', `${summary}: ${hint}; the run carried on`);
}
