import { type EpochRecord } from './finding.types';

export interface CandidateRun {
  name: string;
  settings?: Record<string, number | string | boolean>;
  epochs: readonly EpochRecord[];
}

export type CandidateMetric = 'valAcc' | 'valLoss';

export interface RankedCandidate {
  rank: number;
  name: string;
  settings: Record<string, number | string | boolean>;
  /** Best value of the metric over the run's epochs; NaN when the run diverged or logged nothing. */
  score: number;
  bestEpoch: number;
  /** A loss was non-finite: ranked last whatever its metric. */
  diverged: boolean;
}

/**
 * Ranks short runs (1-5 epochs) of candidate settings by their best validation metric (higher accuracy or
 * lower loss is better). Diverged runs go last; ties keep the lower best validation loss, then the name.
 * Short runs favour settings that learn fast: confirm the winner with a full run.
 */
export function compareCandidates(
  runs: readonly CandidateRun[],
  metric: CandidateMetric = 'valAcc',
): RankedCandidate[] {
  const better = metric === 'valAcc' ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  const scored = runs.map((run) => {
    const diverged =
      run.epochs.length === 0 ||
      run.epochs.some((e) => !Number.isFinite(e.trainLoss) || !Number.isFinite(e.valLoss));
    const best = run.epochs.reduce<EpochRecord | null>(
      (b, e) => (b === null || better(e[metric], b[metric]) ? e : b),
      null,
    );
    const bestValLoss = Math.min(...run.epochs.map((e) => e.valLoss));
    return {
      name: run.name,
      settings: run.settings ?? {},
      score: diverged || best === null ? Number.NaN : best[metric],
      bestEpoch: best?.epoch ?? -1,
      diverged,
      bestValLoss: Number.isFinite(bestValLoss) ? bestValLoss : Number.POSITIVE_INFINITY,
    };
  });
  scored.sort((a, b) => {
    if (a.diverged !== b.diverged) return a.diverged ? 1 : -1;
    if (a.score !== b.score && !a.diverged) return better(a.score, b.score) ? -1 : 1;
    return a.bestValLoss - b.bestValLoss || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  });
  return scored.map(({ bestValLoss: _unused, ...candidate }, index) => ({ rank: index + 1, ...candidate }));
}
