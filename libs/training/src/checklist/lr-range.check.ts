import { formatLoss, formatLr } from './finding.format';
import { evidenceNumber, type Finding } from './finding.types';

export interface LrRangePoint {
  lr: number;
  loss: number;
}

export interface LrRangeOptions {
  /** Points in the centred moving average; default max(3, 5% of the points), made odd. */
  smoothingWindow?: number;
  /** The loss has diverged once its smoothed value exceeds this multiple of the minimum. Default 4. */
  divergenceFactor?: number;
}

export interface LrRangeFinding extends Finding {
  /** The proposed rate: the lr of minimum smoothed loss / 10; null when the loss never decreased. */
  suggestedLr: number | null;
  minLossLr: number | null;
  /** The lr where the smoothed loss fell fastest per decade of lr (a common alternative proposal). */
  steepestLr: number | null;
  /** First lr at which the loss was non-finite or exceeded divergenceFactor x the minimum; null if never. */
  divergedAtLr: number | null;
  smoothedLoss: number[];
}

/** The rates of a range test: `steps` rates growing geometrically from minLr to maxLr. */
export function lrRangeRates(minLr: number, maxLr: number, steps: number): number[] {
  if (!(minLr > 0 && maxLr > minLr) || !Number.isInteger(steps) || steps < 2) {
    throw new RangeError('need 0 < minLr < maxLr and at least 2 steps');
  }
  return Array.from({ length: steps }, (_, i) => minLr * (maxLr / minLr) ** (i / (steps - 1)));
}

/**
 * Reads a learning-rate range test (Smith): loss recorded while the lr grows exponentially. The loss is
 * smoothed with a centred moving average (no lag, unlike an EMA, since the whole run is known), cut at
 * divergence, and the proposal is the lr of the minimum smoothed loss divided by 10: the minimum sits at the
 * edge of stability, a decade below is safely inside the descending region. Passes when the loss fell by at
 * least 5% and then diverged; warns when the range ended before divergence (the minimum may lie beyond);
 * fails when the loss never fell.
 */
export function analyzeLrRange(
  points: readonly LrRangePoint[],
  options: LrRangeOptions = {},
): LrRangeFinding {
  points.forEach((p, i) => {
    if (!(p.lr > 0) || (i > 0 && p.lr <= points[i - 1].lr)) {
      throw new RangeError('learning rates must be positive and strictly increasing');
    }
  });
  const divergenceFactor = options.divergenceFactor ?? 4;
  const firstNonFinite = points.findIndex((p) => !Number.isFinite(p.loss));
  const finite = firstNonFinite === -1 ? points : points.slice(0, firstNonFinite);
  const window = oddWindow(options.smoothingWindow ?? Math.max(3, Math.round(points.length * 0.05)));
  const smoothed = centredMovingAverage(
    finite.map((p) => p.loss),
    window,
  );

  const empty = (status: Finding['status'], message: string): LrRangeFinding => ({
    check: 'lr-range-test',
    status,
    message,
    evidence: { points: points.length, finitePoints: finite.length },
    suggestedLr: null,
    minLossLr: null,
    steepestLr: null,
    divergedAtLr: firstNonFinite === -1 ? null : points[firstNonFinite].lr,
    smoothedLoss: smoothed,
  });
  if (finite.length < 5) return empty('fail', `only ${finite.length} finite losses: start the range lower`);

  const minIndex = smoothed.indexOf(Math.min(...smoothed));
  const blowUp = smoothed.findIndex((v, i) => i > minIndex && v > divergenceFactor * smoothed[minIndex]);
  const divergedIndex = blowUp !== -1 ? blowUp : firstNonFinite;
  const divergedAtLr = divergedIndex === -1 ? null : points[divergedIndex].lr;
  const drop = (smoothed[0] - smoothed[minIndex]) / Math.abs(smoothed[0]);
  if (minIndex === 0 || !(drop >= 0.05)) {
    return {
      ...empty('fail', 'the loss never decreased: start the range at a lower lr, or check the training code'),
      divergedAtLr,
    };
  }

  const steepestIndex = steepestDescentIndex(finite, smoothed, minIndex);
  const minLossLr = finite[minIndex].lr;
  const suggestedLr = minLossLr / 10;
  const evidence = {
    points: points.length,
    finitePoints: finite.length,
    smoothingWindow: window,
    suggestedLr,
    minLossLr,
    minSmoothedLoss: smoothed[minIndex],
    initialSmoothedLoss: smoothed[0],
    steepestLr: finite[steepestIndex].lr,
    divergedAtLr: evidenceNumber(divergedAtLr ?? Number.NaN),
    diverged: divergedAtLr !== null,
  };
  const status = divergedAtLr === null ? 'warn' : 'pass';
  const message =
    divergedAtLr === null
      ? `loss ${formatLoss(smoothed[0])} → ${formatLoss(smoothed[minIndex])}, still ${minIndex === finite.length - 1 ? 'falling' : 'bounded'} at the end of the range (max lr ${formatLr(points[points.length - 1].lr)}), expected to diverge within it: extend the range; tentative lr ${formatLr(suggestedLr)}`
      : `suggested lr ${formatLr(suggestedLr)}, a decade below the minimum loss at ${formatLr(minLossLr)} (loss ${formatLoss(smoothed[0])} → ${formatLoss(smoothed[minIndex])}; steepest descent at ${formatLr(finite[steepestIndex].lr)}, diverged at ${formatLr(divergedAtLr)})`;
  return {
    check: 'lr-range-test',
    status,
    message,
    evidence,
    suggestedLr,
    minLossLr,
    steepestLr: finite[steepestIndex].lr,
    divergedAtLr,
    smoothedLoss: smoothed,
  };
}

function oddWindow(size: number): number {
  const rounded = Math.max(1, Math.round(size));
  return rounded % 2 === 1 ? rounded : rounded + 1;
}

/** Mean over a window centred on each point, shrunk symmetrically at the ends. */
function centredMovingAverage(values: readonly number[], window: number): number[] {
  const half = (window - 1) / 2;
  return values.map((_, i) => {
    const reach = Math.min(half, i, values.length - 1 - i);
    let sum = 0;
    for (let k = i - reach; k <= i + reach; k++) sum += values[k];
    return sum / (2 * reach + 1);
  });
}

/** Index (up to the minimum) where the smoothed loss falls fastest per unit of log10(lr). */
function steepestDescentIndex(
  points: readonly LrRangePoint[],
  smoothed: readonly number[],
  upTo: number,
): number {
  let best = 0;
  let bestSlope = Number.POSITIVE_INFINITY;
  for (let i = 1; i <= upTo; i++) {
    const slope = (smoothed[i] - smoothed[i - 1]) / (Math.log10(points[i].lr) - Math.log10(points[i - 1].lr));
    if (slope < bestSlope) {
      bestSlope = slope;
      best = i;
    }
  }
  return best;
}
