import { formatLoss, formatLr, formatPercent } from './finding.format';
import { evidenceNumber, type EpochRecord, type Finding } from './finding.types';

export interface CurveReadingOptions {
  /** Train loss above this multiple of the first epoch's is exploding. Default 1.5. */
  explodeFactor?: number;
  /** A later rise above this multiple of the running minimum (by more than 25% of the first loss) is exploding. Default 3. */
  spikeFactor?: number;
  /** Relative drop below which the loss counts as not moving. Default 0.02. */
  flatTolerance?: number;
  /** Leading flat epochs (first included) that count as a flat start. Default 3. */
  flatEpochs?: number;
  /** Last epochs examined for a plateau. Default 3. */
  plateauWindow?: number;
  /** Relative improvement over the window below which the loss has plateaued. Default 0.01. */
  plateauTolerance?: number;
  /** Train-minus-validation accuracy that counts as a gap. Default 0.1. */
  gapThreshold?: number;
  /** Validation loss this far above its minimum (relative) while train loss falls is overfitting. Default 0.1. */
  valLossRise?: number;
  /** Train accuracy below which a run without a gap is too weak. Default 0.9. */
  targetAccuracy?: number;
  /**
   * The epoch whose weights the run kept (early stopping restores the best one). The model is read there: the
   * plateau, the gap and the accuracy come from the epochs up to it. Default the last epoch.
   */
  keptEpoch?: number | null;
}

type Reading = Required<Omit<CurveReadingOptions, 'keptEpoch'>> & {
  /** What the recipe did, said at the end of every finding. */
  outcome: string;
};

const DEFAULTS: Required<Omit<CurveReadingOptions, 'keptEpoch'>> = {
  explodeFactor: 1.5,
  spikeFactor: 3,
  flatTolerance: 0.02,
  flatEpochs: 3,
  plateauWindow: 3,
  plateauTolerance: 0.01,
  gapThreshold: 0.1,
  valLossRise: 0.1,
  targetAccuracy: 0.9,
};

/**
 * Reads training curves the way the checklist teaches: exploding or NaN loss (rate too high; reported alone,
 * the other readings mean nothing then), a flat start (initialisation), a plateau at a still-high constant rate
 * (schedule), a train/validation gap (overfitting) or no gap at low accuracy (model too weak). Returns one
 * finding per diagnosis, or a single "healthy" pass.
 */
export function readCurves(epochs: readonly EpochRecord[], options: CurveReadingOptions = {}): Finding[] {
  if (epochs.length < 2) {
    return [
      {
        check: 'curves',
        status: 'warn',
        message: `${epochs.length} epoch(s) logged, expected at least 2 to read curves; not judged`,
        evidence: { epochs: epochs.length },
      },
    ];
  }
  const last = epochs[epochs.length - 1];
  const keptIndex = epochs.findIndex((e) => e.epoch === options.keptEpoch);
  const upToKept = keptIndex === -1 ? epochs : epochs.slice(0, keptIndex + 1);
  const kept = upToKept[upToKept.length - 1];
  const outcome =
    kept === last
      ? `read at the last epoch (${last.epoch}), whose weights the run kept`
      : `read at epoch ${kept.epoch} of ${last.epoch}, whose weights early stopping kept`;
  const o: Reading = { ...DEFAULTS, ...withoutUndefined(options), outcome };
  const exploding = detectExploding(epochs, o);
  if (exploding) return [exploding];

  const findings = [
    detectFlatStart(epochs, o),
    detectPlateau(upToKept, o),
    detectOverfitting(upToKept, o),
    detectUnderfitting(upToKept, o),
  ].filter((f): f is Finding => f !== null);
  const all = findings.length > 0 ? findings : [healthy(upToKept, o)];
  return all.map((f) => ({
    ...f,
    evidence: { ...f.evidence, keptEpoch: kept.epoch, epochs: epochs.length },
  }));
}

function withoutUndefined(options: CurveReadingOptions): Partial<Reading> {
  const { keptEpoch: _kept, ...rest } = options;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

function detectExploding(epochs: readonly EpochRecord[], o: Reading): Finding | null {
  const first = epochs[0].trainLoss;
  let runningMin = Number.POSITIVE_INFINITY;
  for (const e of epochs) {
    const nonFinite = !Number.isFinite(e.trainLoss) || !Number.isFinite(e.valLoss);
    const aboveStart = Number.isFinite(first) && e.trainLoss > o.explodeFactor * first;
    const spike = e.trainLoss > o.spikeFactor * runningMin && e.trainLoss - runningMin > 0.25 * first;
    if (nonFinite || aboveStart || spike) {
      return {
        check: 'curves.exploding',
        status: 'fail',
        message: `train loss ${nonFinite ? 'became non-finite' : `exploded to ${formatLoss(e.trainLoss)}`} at epoch ${e.epoch} (lr ${formatLr(e.lr)}), expected to stay finite and near its minimum ${formatLoss(runningMin)}: the learning rate is too high; lower it 10x, add warm-up or gradient clipping; ${o.outcome}`,
        evidence: {
          epoch: e.epoch,
          lr: e.lr,
          trainLoss: evidenceNumber(e.trainLoss),
          valLoss: evidenceNumber(e.valLoss),
          firstTrainLoss: evidenceNumber(first),
          minTrainLossBefore: evidenceNumber(runningMin),
          nonFinite,
        },
      };
    }
    runningMin = Math.min(runningMin, e.trainLoss);
  }
  return null;
}

function detectFlatStart(epochs: readonly EpochRecord[], o: Reading): Finding | null {
  const first = epochs[0].trainLoss;
  const flat = leadingCount(epochs, (e) => e.trainLoss >= (1 - o.flatTolerance) * first);
  if (flat < Math.min(o.flatEpochs, epochs.length)) return null;
  const last = epochs[epochs.length - 1].trainLoss;
  const neverMoved = flat === epochs.length;
  return {
    check: 'curves.flat-start',
    status: neverMoved ? 'fail' : 'warn',
    message: neverMoved
      ? `train loss ${formatLoss(first)} → ${formatLoss(last)}, never moved in ${epochs.length} epochs, expected to fall from the first epochs: the rate may be far too low, weights frozen, or gradients not flowing; ${o.outcome}`
      : `train loss ${formatLoss(first)} stayed flat for ${flat} epochs before falling, expected to fall from the first epochs: an initialisation problem (weight scale, saturated or dead units) or a too-timid warm-up; ${o.outcome}`,
    evidence: { flatEpochs: flat, firstTrainLoss: first, finalTrainLoss: last, lrAtStart: epochs[0].lr },
  };
}

function detectPlateau(epochs: readonly EpochRecord[], o: Reading): Finding | null {
  if (epochs.length <= o.plateauWindow) return null;
  const window = epochs.slice(-o.plateauWindow);
  const before = epochs[epochs.length - 1 - o.plateauWindow].trainLoss;
  const improvement = (before - Math.min(...window.map((e) => e.trainLoss))) / before;
  if (improvement >= o.plateauTolerance) return null;
  const movedBefore = epochs[0].trainLoss - before > o.flatTolerance * epochs[0].trainLoss;
  const rates = window.map((e) => e.lr);
  const constantRate = Math.max(...rates) <= 1.01 * Math.min(...rates);
  const peakLr = Math.max(...epochs.map((e) => e.lr));
  const stillHigh = Math.min(...rates) >= 0.5 * peakLr;
  if (!movedBefore || !constantRate || !stillHigh) return null;
  return {
    check: 'curves.plateau',
    status: 'warn',
    message: `train loss improved ${formatPercent(improvement)} over the ${o.plateauWindow} epochs to ${epochs[epochs.length - 1].epoch} at a constant lr ${formatLr(rates[0])}, expected ≥ ${formatPercent(o.plateauTolerance)} or a decaying rate: decay the rate (step or cosine schedule, or reduce on plateau); ${o.outcome}`,
    evidence: {
      window: o.plateauWindow,
      relativeImprovement: improvement,
      lr: rates[0],
      peakLr,
      trainLoss: window[window.length - 1].trainLoss,
    },
  };
}

function detectOverfitting(epochs: readonly EpochRecord[], o: Reading): Finding | null {
  const last = epochs[epochs.length - 1];
  const gap = last.trainAcc - last.valAcc;
  const best = epochs.reduce((b, e) => (e.valLoss < b.valLoss ? e : b));
  const rise = (last.valLoss - best.valLoss) / best.valLoss;
  const trainKeptFalling = last.trainLoss < best.trainLoss;
  const lossDiverging = rise >= o.valLossRise && trainKeptFalling;
  if (gap < o.gapThreshold && !lossDiverging) return null;
  return {
    check: 'curves.overfitting',
    status: 'warn',
    message: `train accuracy ${formatPercent(last.trainAcc)} vs validation ${formatPercent(last.valAcc)} at epoch ${last.epoch}${
      lossDiverging ? `, validation loss up ${formatPercent(rise)} since epoch ${best.epoch}` : ''
    }, expected a gap under ${formatPercent(o.gapThreshold)}: overfitting; regularise (augmentation, weight decay, dropout) or get more data; ${o.outcome}`,
    evidence: {
      accuracyGap: gap,
      trainAcc: last.trainAcc,
      valAcc: last.valAcc,
      bestValLossEpoch: best.epoch,
      bestValLoss: best.valLoss,
      finalValLoss: last.valLoss,
      valLossRise: rise,
    },
  };
}

function detectUnderfitting(epochs: readonly EpochRecord[], o: Reading): Finding | null {
  const last = epochs[epochs.length - 1];
  const gap = last.trainAcc - last.valAcc;
  if (Math.abs(gap) >= o.gapThreshold || last.trainAcc >= o.targetAccuracy) return null;
  const windowStart = epochs[Math.max(0, epochs.length - 1 - o.plateauWindow)].trainLoss;
  const stillImproving = (windowStart - last.trainLoss) / windowStart >= o.plateauTolerance;
  return {
    check: 'curves.underfitting',
    status: 'warn',
    message: `train accuracy ${formatPercent(last.trainAcc)}, validation ${formatPercent(last.valAcc)} at epoch ${last.epoch}, expected ≥ ${formatPercent(o.targetAccuracy)}: no gap but low accuracy, the model is too weak or too briefly trained; ${
      stillImproving ? 'the loss is still falling, train longer' : 'try a bigger model'
    }; ${o.outcome}`,
    evidence: {
      trainAcc: last.trainAcc,
      valAcc: last.valAcc,
      accuracyGap: gap,
      targetAccuracy: o.targetAccuracy,
      stillImproving,
    },
  };
}

function healthy(epochs: readonly EpochRecord[], o: Reading): Finding {
  const last = epochs[epochs.length - 1];
  const best = epochs.reduce((b, e) => (e.valLoss < b.valLoss ? e : b));
  return {
    check: 'curves.healthy',
    status: 'pass',
    message: `train accuracy ${formatPercent(last.trainAcc)}, validation ${formatPercent(last.valAcc)} at epoch ${last.epoch}, expected a falling loss, a gap under ${formatPercent(o.gapThreshold)} and ≥ ${formatPercent(o.targetAccuracy)}: the curves look healthy; ${o.outcome}`,
    evidence: {
      trainAcc: last.trainAcc,
      valAcc: last.valAcc,
      accuracyGap: last.trainAcc - last.valAcc,
      finalTrainLoss: last.trainLoss,
      finalValLoss: last.valLoss,
      bestValLossEpoch: best.epoch,
    },
  };
}

function leadingCount<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  const index = items.findIndex((item) => !predicate(item));
  return index === -1 ? items.length : index;
}
