import { classifierCalibration, type Calibration } from './calibration.metrics';
import {
  accuracy,
  argmaxRows,
  confusionMatrix,
  macroAverages,
  perClassMetrics,
  type ClassMetrics,
  type MacroAverages,
} from './classification.metrics';
import { logLoss } from './log-loss.metrics';
import { assertSameLength } from './metric.inputs';

export interface ClassificationReport {
  accuracy: number;
  logLoss: number;
  confusion: number[][];
  perClass: ({ className: string } & ClassMetrics)[];
  macro: MacroAverages;
  calibration: Calibration;
}

/** Every multi-class metric from predicted probabilities (rows of length C) and integer labels. */
export function classificationReport(
  probabilities: readonly (readonly number[])[],
  labels: readonly number[],
  classNames: readonly string[],
  options: { calibrationBins?: number } = {},
): ClassificationReport {
  assertSameLength(probabilities, labels, 'classificationReport');
  const wrongWidth = probabilities.find((row) => row.length !== classNames.length);
  if (wrongWidth) throw new RangeError(`probability rows must have ${classNames.length} entries`);
  const predictions = argmaxRows(probabilities);
  const confusion = confusionMatrix(predictions, labels, classNames.length);
  const perClass = perClassMetrics(confusion);
  return {
    accuracy: accuracy(predictions, labels),
    logLoss: logLoss(probabilities, labels),
    confusion,
    perClass: perClass.map((m, c) => ({ className: classNames[c], ...m })),
    macro: macroAverages(perClass),
    calibration: classifierCalibration(probabilities, labels, options.calibrationBins),
  };
}
