import type * as tfl from '@tensorflow/tfjs-layers';
import { type TestTimeView } from '@linescope/vision/test-time';
import { classificationReport, type ClassificationReport } from '../metrics/classification.report';
import {
  operatingThreshold,
  uncertainBand,
  verdictCounts,
  type OperatingThreshold,
  type UncertainBandOptions,
  type UncertainBandResult,
  type VerdictCounts,
} from '../metrics/operating-point.metrics';
import {
  averagePrecision,
  precisionRecallCurve,
  rocAuc,
  rocCurve,
  type PrPoint,
  type RocPoint,
} from '../metrics/ranking.metrics';
import { type BatchSource } from './batch.pipeline';
import {
  defectLabels,
  defectScores,
  defectScoring,
  predictProbabilities,
  splitMetrics,
  type SplitMetrics,
} from './model.predict';

export interface EvaluationOptions {
  classNames: readonly string[];
  /** Classes that mean "defect"; the defect score is their summed probability. */
  positiveClasses: readonly string[];
  /** Defect recall the operating threshold must reach on the validation split. */
  targetRecall: number;
  band: UncertainBandOptions;
  calibrationBins?: number;
  batchSize?: number;
  /** Test-time views whose probabilities are averaged (default: the image alone). */
  views?: readonly TestTimeView[];
}

export interface DefectEvaluation {
  /** On the test split. */
  rocAuc: number;
  prAuc: number;
  rocCurve: RocPoint[];
  prCurve: PrPoint[];
  /** Chosen on the VALIDATION split; null when it has no defect (then no threshold can be chosen). */
  operatingPoint: {
    threshold: OperatingThreshold;
    band: UncertainBandResult;
    /** The test split sorted by that threshold and band. */
    test: VerdictCounts;
  } | null;
  /** Why there is no operating point. */
  note?: string;
}

export interface Evaluation {
  testCount: number;
  /** accuracy, log loss, confusion matrix, per-class precision/recall/F1, macro averages, calibration (ECE). */
  report: ClassificationReport;
  /** Present when the classes split into ok and defect. */
  defect: DefectEvaluation | null;
  /** Set when the model's outputs are not finite (a diverged run): nothing else is measured. */
  diverged?: true;
  /** The views averaged for every number above; `['identity']` without test-time augmentation. */
  views: TestTimeView[];
  /** With several views: the same model on the test split scoring the image alone, for comparison. */
  singleView?: SplitMetrics;
}

/**
 * Evaluates on held-out data: the full report on `test`; with ok and defect classes, the defect score's ROC and
 * PR AUC on test, the operating threshold for `targetRecall` and the uncertain band chosen on `validation`, then
 * the verdicts that threshold and band give on test (escape and review rates).
 */
export async function evaluate(
  model: tfl.LayersModel,
  source: BatchSource,
  split: { validation: readonly number[]; test: readonly number[] },
  options: EvaluationOptions,
): Promise<Evaluation> {
  const batchSize = options.batchSize ?? 32;
  const views = [...(options.views ?? ['identity'])];
  const testProbabilities = await predictProbabilities(model, source, split.test, batchSize, views);
  const finite = testProbabilities.every((row) => row.every(Number.isFinite));
  const scoring = defectScoring(options.classNames, options.positiveClasses);
  const needsValidation = finite && scoring !== null;
  return evaluateProbabilities(
    {
      test: { probabilities: testProbabilities, labels: split.test.map((i) => source.labels[i]) },
      validation: {
        probabilities: needsValidation
          ? await predictProbabilities(model, source, split.validation, batchSize, views)
          : [],
        labels: needsValidation ? split.validation.map((i) => source.labels[i]) : [],
      },
      singleViewTest:
        finite && views.length > 1
          ? await predictProbabilities(model, source, split.test, batchSize)
          : undefined,
    },
    { ...options, views },
  );
}

/** Predicted class probabilities (rows of length C) with their true labels. */
export interface ScoredSplit {
  probabilities: number[][];
  labels: number[];
}

/**
 * The measuring half of `evaluate`, from probabilities already predicted: the report on `test`, and with ok and
 * defect classes the ROC and PR curves on test and the operating point chosen on `validation`.
 */
export function evaluateProbabilities(
  scored: { test: ScoredSplit; validation: ScoredSplit; singleViewTest?: number[][] },
  options: Omit<EvaluationOptions, 'batchSize'>,
): Evaluation {
  const views = [...(options.views ?? ['identity'])];
  const testLabels = scored.test.labels;
  const testProbabilities = scored.test.probabilities;
  const testCount = testLabels.length;
  if (!testProbabilities.every((row) => row.every(Number.isFinite))) {
    const uniform = testProbabilities.map(() => options.classNames.map(() => 1 / options.classNames.length));
    return {
      testCount,
      report: classificationReport(uniform, testLabels, options.classNames),
      defect: null,
      diverged: true,
      views,
    };
  }
  const report = classificationReport(testProbabilities, testLabels, options.classNames, {
    calibrationBins: options.calibrationBins,
  });
  const scoring = defectScoring(options.classNames, options.positiveClasses);
  const base = { testCount, report, views };
  const evaluated: Omit<Evaluation, 'defect'> =
    views.length > 1 && scored.singleViewTest
      ? { ...base, singleView: splitMetrics(scored.singleViewTest, testLabels, scoring) }
      : base;
  if (!scoring) return { ...evaluated, defect: null };

  const testScores = defectScores(testProbabilities, scoring);
  const testBinary = defectLabels(testLabels, scoring);
  const bothKinds = testBinary.includes(0) && testBinary.includes(1);
  const defect: DefectEvaluation = {
    rocAuc: bothKinds ? rocAuc(testScores, testBinary) : Number.NaN,
    prAuc: bothKinds ? averagePrecision(testScores, testBinary) : Number.NaN,
    rocCurve: bothKinds ? rocCurve(testScores, testBinary) : [],
    prCurve: bothKinds ? precisionRecallCurve(testScores, testBinary) : [],
    operatingPoint: null,
  };
  const valScores = defectScores(scored.validation.probabilities, scoring);
  const valBinary = defectLabels(scored.validation.labels, scoring);
  if (!valBinary.includes(1) || !valScores.every(Number.isFinite)) {
    defect.note = 'the validation split has no defect (or no finite score): no operating threshold';
    return { ...evaluated, defect };
  }
  const threshold = operatingThreshold(valScores, valBinary, options.targetRecall);
  const band = uncertainBand(valScores, valBinary, threshold.threshold, options.band);
  defect.operatingPoint = {
    threshold,
    band,
    test: verdictCounts(testScores, testBinary, threshold.threshold, band),
  };
  return { ...evaluated, defect };
}

/** The headline numbers, flat, for manifests, tables and the model_versions row. */
export function evaluationSummary(evaluation: Evaluation): Record<string, number> {
  const { report, defect } = evaluation;
  const summary: Record<string, number> = {
    testCount: evaluation.testCount,
    accuracy: report.accuracy,
    logLoss: report.logLoss,
    macroF1: report.macro.f1,
    macroPrecision: report.macro.precision,
    macroRecall: report.macro.recall,
    ece: report.calibration.expectedCalibrationError,
    testTimeViews: evaluation.views.length,
  };
  if (evaluation.singleView) {
    summary.singleViewAccuracy = evaluation.singleView.accuracy;
    if (evaluation.singleView.rocAuc !== undefined) summary.singleViewRocAuc = evaluation.singleView.rocAuc;
  }
  if (defect) {
    summary.rocAuc = defect.rocAuc;
    summary.prAuc = defect.prAuc;
    const op = defect.operatingPoint;
    if (op) {
      summary.threshold = op.threshold.threshold;
      summary.bandLow = op.band.low;
      summary.bandHigh = op.band.high;
      summary.validationRecall = op.threshold.recall;
      summary.testEscapeRate = op.test.escapeRate;
      summary.testReviewRate = op.test.reviewRate;
      summary.testFalseRejectRate = op.test.falseRejectRate;
    }
  }
  return summary;
}
