import { type UncertainBand } from './verdict';

/** A model's own operating point, as its manifest stores it (see the vision artifacts' `OperatingPoint`). */
export interface ManifestOperatingPoint {
  threshold: number;
  uncertainBand: UncertainBand;
}

/** Threshold and band overrides as a row stores them: null inherits from the level below. */
export interface ThresholdOverrides {
  operatingThreshold: number | null;
  uncertainLow: number | null;
  uncertainHigh: number | null;
}

/** What `verdictFor` needs: below `band.low` ok, at or above `band.high` defect, uncertain in between. */
export interface DecisionRule {
  threshold: number;
  band: UncertainBand;
}

/** Where a value came from; a more specific level wins a conflict. */
enum Level {
  Manifest = 0,
  Model = 1,
  Line = 2,
}

interface Sourced {
  value: number;
  level: Level;
}

function pick(manifest: number, model: number | null, line: number | null | undefined): Sourced {
  if (line !== null && line !== undefined) return { value: line, level: Level.Line };
  if (model !== null) return { value: model, level: Level.Model };
  return { value: manifest, level: Level.Manifest };
}

/**
 * The decision rule for one request: each of threshold, low and high comes from the line's override, else the
 * model version's row, else the artifact manifest. Each level is consistent on its own, but a mix may not be
 * (a line that only raises the threshold above the model's band): then the more specific value stands and the
 * inherited one moves to it, so a line's explicit setting is always what decides.
 */
export function resolveDecisionRule(
  manifest: ManifestOperatingPoint,
  model: ThresholdOverrides,
  line?: ThresholdOverrides | null,
): DecisionRule {
  const threshold = pick(manifest.threshold, model.operatingThreshold, line?.operatingThreshold);
  const low = pick(manifest.uncertainBand.low, model.uncertainLow, line?.uncertainLow);
  const high = pick(manifest.uncertainBand.high, model.uncertainHigh, line?.uncertainHigh);
  if (low.value > high.value) {
    if (low.level > high.level) high.value = low.value;
    else low.value = high.value;
  }
  if (threshold.value < low.value) {
    if (threshold.level > low.level) low.value = threshold.value;
    else threshold.value = low.value;
  }
  if (threshold.value > high.value) {
    if (threshold.level > high.level) high.value = threshold.value;
    else threshold.value = high.value;
  }
  return { threshold: threshold.value, band: { low: low.value, high: high.value } };
}
