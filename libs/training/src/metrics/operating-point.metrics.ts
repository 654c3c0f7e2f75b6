import { type UncertainBand, type Verdict, verdictFor } from '@linescope/verdict';
import { assertSameLength, safeDivide } from './metric.inputs';
import { thresholdCounts, type ThresholdCounts } from './ranking.metrics';

// The verdict rule lives in @linescope/verdict; re-exported for the metrics that sort scores by it.
export { type UncertainBand, type Verdict, verdictFor };

export interface OperatingThreshold {
  /** Scores >= threshold are called defect. */
  threshold: number;
  targetRecall: number;
  recall: number;
  precision: number;
  falsePositiveRate: number;
}

export interface UncertainBandOptions {
  /** Defect recall that a score below `low` must still give: at most 1 - safeRecall of defects escape as ok. */
  safeRecall?: number;
  /** Precision that calling "defect" at or above `high` must reach, so good parts are rarely scrapped. */
  safePrecision?: number;
  /** Minimum half-width around the threshold, for small validation sets whose estimates are coarse. */
  minMargin?: number;
}

export interface UncertainBandResult extends UncertainBand {
  safeRecall: number;
  safePrecision: number;
  /** Recall of defects with score >= low. */
  recallAtLow: number;
  /** Precision of predictions with score >= high. */
  precisionAtHigh: number;
  /** False when no threshold >= the operating threshold reaches safePrecision; then high = threshold. */
  safePrecisionReached: boolean;
}

export const DEFAULT_TARGET_RECALL = 0.99;
export const DEFAULT_SAFE_RECALL = 0.999;
export const DEFAULT_SAFE_PRECISION = 0.99;

/**
 * The highest threshold (a validation score) whose defect recall is >= targetRecall: the most
 * selective setting that still catches the required share of defects. Throws without defects.
 */
export function operatingThreshold(
  scores: readonly number[],
  labels: readonly number[],
  targetRecall = DEFAULT_TARGET_RECALL,
): OperatingThreshold {
  const steps = countsWithDefects(scores, labels);
  const step = highestThresholdReachingRecall(steps, targetRecall);
  return {
    threshold: step.threshold,
    targetRecall,
    recall: recallOf(step),
    precision: precisionOf(step),
    falsePositiveRate: safeDivide(step.falsePositives, step.falsePositives + step.trueNegatives),
  };
}

/**
 * The uncertain band around an operating threshold t, from the validation set:
 * - low = the highest threshold with recall >= safeRecall (default 0.999), capped at t: a score below it
 *   is ok with the stricter escape rate;
 * - high = the lowest threshold >= t whose precision >= safePrecision (default 0.99): a score at or above
 *   it is defect with few false rejects; when no such threshold exists, high = t (flagged in the result);
 * - then widened to at least [t - minMargin, t + minMargin].
 */
export function uncertainBand(
  scores: readonly number[],
  labels: readonly number[],
  threshold: number,
  options: UncertainBandOptions = {},
): UncertainBandResult {
  const safeRecall = options.safeRecall ?? DEFAULT_SAFE_RECALL;
  const safePrecision = options.safePrecision ?? DEFAULT_SAFE_PRECISION;
  const minMargin = options.minMargin ?? 0;
  if (!(safePrecision > 0 && safePrecision <= 1)) throw new RangeError(`safePrecision must be in (0, 1]`);
  if (!(minMargin >= 0)) throw new RangeError(`minMargin must be >= 0`);
  const steps = countsWithDefects(scores, labels);

  const lowStep = highestThresholdReachingRecall(steps, safeRecall);
  const highStep = [...steps]
    .reverse()
    .find((s) => s.threshold >= threshold && precisionOf(s) >= safePrecision);
  const low = Math.min(lowStep.threshold, threshold, threshold - minMargin);
  const high = Math.max(highStep?.threshold ?? threshold, threshold + minMargin);
  const countsAt = (t: number) => countsAtThreshold(scores, labels, t);
  return {
    low,
    high,
    safeRecall,
    safePrecision,
    recallAtLow: recallOf(countsAt(low)),
    precisionAtHigh: precisionOf(countsAt(high)),
    safePrecisionReached: highStep !== undefined,
  };
}

export interface VerdictCounts {
  /** counts[trueClass][verdict] */
  counts: Record<'ok' | 'defect', Record<Verdict, number>>;
  /** Share of true defects given the verdict ok. */
  escapeRate: number;
  /** Share of true ok parts given the verdict defect. */
  falseRejectRate: number;
  /** Share of all samples sent to review. */
  reviewRate: number;
}

/** How a threshold and band would have sorted a labelled set (label 1 = defect). */
export function verdictCounts(
  scores: readonly number[],
  labels: readonly number[],
  threshold: number,
  band?: UncertainBand,
): VerdictCounts {
  assertSameLength(scores, labels, 'verdictCounts');
  const counts = {
    ok: { ok: 0, defect: 0, uncertain: 0 },
    defect: { ok: 0, defect: 0, uncertain: 0 },
  };
  scores.forEach(
    (score, i) => counts[labels[i] === 1 ? 'defect' : 'ok'][verdictFor(score, threshold, band)]++,
  );
  const total = (row: Record<Verdict, number>) => row.ok + row.defect + row.uncertain;
  return {
    counts,
    escapeRate: safeDivide(counts.defect.ok, total(counts.defect)),
    falseRejectRate: safeDivide(counts.ok.defect, total(counts.ok)),
    reviewRate: safeDivide(counts.ok.uncertain + counts.defect.uncertain, scores.length),
  };
}

function countsWithDefects(scores: readonly number[], labels: readonly number[]): ThresholdCounts[] {
  const steps = thresholdCounts(scores, labels);
  if (!labels.includes(1))
    throw new RangeError('the validation set has no defect: no threshold can be chosen');
  return steps;
}

function highestThresholdReachingRecall(steps: readonly ThresholdCounts[], target: number): ThresholdCounts {
  if (!(target > 0 && target <= 1)) throw new RangeError(`target recall must be in (0, 1], got ${target}`);
  // Recall only grows as the threshold falls, and the lowest threshold has recall 1.
  const step = steps.find((s) => recallOf(s) >= target);
  if (!step) throw new Error('unreachable: the lowest threshold has recall 1');
  return step;
}

function countsAtThreshold(scores: readonly number[], labels: readonly number[], threshold: number) {
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  scores.forEach((score, i) => {
    if (score >= threshold) {
      if (labels[i] === 1) truePositives++;
      else falsePositives++;
    } else if (labels[i] === 1) falseNegatives++;
  });
  return { truePositives, falsePositives, falseNegatives };
}

type Counts = Pick<ThresholdCounts, 'truePositives' | 'falsePositives' | 'falseNegatives'>;
const recallOf = (c: Counts) => safeDivide(c.truePositives, c.truePositives + c.falseNegatives);
const precisionOf = (c: Counts) => safeDivide(c.truePositives, c.truePositives + c.falsePositives);
