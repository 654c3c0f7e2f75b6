/** The three answers the product gives about an image. */
export const VERDICTS = ['ok', 'defect', 'uncertain'] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * Scores in [low, high) are sent to human review; below low is ok, at or above high is defect.
 * Invariant: low <= threshold <= high. low === high means no band (a plain threshold).
 */
export interface UncertainBand {
  low: number;
  high: number;
}

/**
 * The product's verdict for one defect score. Without a band: defect at or above the threshold, else ok.
 * With a band: ok below band.low, defect at or above band.high, uncertain in between. A NaN score is
 * uncertain: a broken score must reach a person, never pass as ok.
 */
export function verdictFor(score: number, threshold: number, band?: UncertainBand): Verdict {
  const { low, high } = band ?? { low: threshold, high: threshold };
  if (!(low <= threshold && threshold <= high)) {
    throw new RangeError(`band [${low}, ${high}) must contain the threshold ${threshold}`);
  }
  if (Number.isNaN(score)) return 'uncertain';
  if (score < low) return 'ok';
  return score >= high ? 'defect' : 'uncertain';
}
