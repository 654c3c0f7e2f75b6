import { type LatencyBreakdown, type Verdict } from '@linescope/db';

/** What a scoring engine returns for one image; recorded on the inspection as it is. */
export interface VerdictResult {
  verdict: Verdict;
  /** The defect score the verdict was decided from. */
  score: number;
  probabilities: Record<string, number>;
  modelVersionId: string;
  latency: LatencyBreakdown;
}
