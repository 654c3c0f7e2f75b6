import { type ReliabilityBin } from '../metrics/calibration.metrics';
import { type VerdictCounts } from '../metrics/operating-point.metrics';
import { type PrPoint, type RocPoint } from '../metrics/ranking.metrics';
import { type Evaluation } from './model.evaluate';

/** Curves keep at most this many points when stored: enough to draw, small enough for a database row. */
export const MAX_CURVE_POINTS = 200;

/** JSON has no NaN: an undefined figure (no positive, an empty bin) is stored as null. */
type Stored<T> = { [K in keyof T]: T[K] extends number ? number | null : T[K] };

/**
 * The detailed evaluation of a model version on its held-out test split, as stored beside it
 * (`model_versions.evaluation`) and served by `GET /api/v1/models/:id/evaluation`.
 */
export interface EvaluationRecord {
  testCount: number;
  diverged: boolean;
  views: string[];
  accuracy: number | null;
  logLoss: number | null;
  classNames: string[];
  /** confusion[trueClass][predictedClass] */
  confusion: number[][];
  perClass: Stored<{ className: string; precision: number; recall: number; f1: number; support: number }>[];
  macro: Stored<{ precision: number; recall: number; f1: number }>;
  calibration: { expectedCalibrationError: number | null; bins: Stored<ReliabilityBin>[] };
  /** Present when the classes split into ok and defect; the score is the summed defect probability. */
  defect: {
    rocAuc: number | null;
    prAuc: number | null;
    rocCurve: Stored<RocPoint>[];
    prCurve: Stored<PrPoint>[];
    /** Chosen on the validation split; null when it had no defect. */
    operatingPoint: {
      threshold: number;
      targetRecall: number;
      validationRecall: number | null;
      validationPrecision: number | null;
      uncertainLow: number;
      uncertainHigh: number;
      /** How the test split is sorted by that threshold and band. */
      test: Stored<Omit<VerdictCounts, 'counts'>> & { counts: VerdictCounts['counts'] };
    } | null;
    note: string | null;
  } | null;
}

function finite(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function storedNumbers<T extends object>(row: T): Stored<T> {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [key, typeof value === 'number' ? finite(value) : value]),
  ) as Stored<T>;
}

/** Keeps the first and last points and an even spread between them. */
export function thinCurve<T>(points: readonly T[], max = MAX_CURVE_POINTS): T[] {
  if (points.length <= max) return [...points];
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]);
}

/** The evaluation as stored with the model version (curves thinned, NaN as null). */
export function evaluationRecord(evaluation: Evaluation, classNames: readonly string[]): EvaluationRecord {
  const { report, defect } = evaluation;
  const op = defect?.operatingPoint ?? null;
  return {
    testCount: evaluation.testCount,
    diverged: evaluation.diverged === true,
    views: [...evaluation.views],
    accuracy: finite(report.accuracy),
    logLoss: finite(report.logLoss),
    classNames: [...classNames],
    confusion: report.confusion.map((row) => [...row]),
    perClass: report.perClass.map(storedNumbers),
    macro: storedNumbers(report.macro),
    calibration: {
      expectedCalibrationError: finite(report.calibration.expectedCalibrationError),
      bins: report.calibration.bins.map(storedNumbers),
    },
    defect: defect
      ? {
          rocAuc: finite(defect.rocAuc),
          prAuc: finite(defect.prAuc),
          rocCurve: thinCurve(defect.rocCurve).map(storedNumbers),
          prCurve: thinCurve(defect.prCurve).map(storedNumbers),
          operatingPoint: op
            ? {
                threshold: op.threshold.threshold,
                targetRecall: op.threshold.targetRecall,
                validationRecall: finite(op.threshold.recall),
                validationPrecision: finite(op.threshold.precision),
                uncertainLow: op.band.low,
                uncertainHigh: op.band.high,
                test: { ...storedNumbers(op.test), counts: op.test.counts },
              }
            : null,
          note: defect.note ?? null,
        }
      : null,
  };
}
