export type FindingStatus = 'pass' | 'warn' | 'fail';

/** One result of the training checklist: what was checked, the verdict, a readable hint and the numbers behind it. */
export interface Finding {
  check: string;
  status: FindingStatus;
  message: string;
  evidence: Record<string, number | string | boolean>;
}

/** One epoch of a training run, as logged by the training loop. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  trainAcc: number;
  valAcc: number;
  lr: number;
}

/** JSON has no NaN or Infinity: evidence numbers that may be non-finite are stored as their string form. */
export function evidenceNumber(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}
