import { renderPng } from '../plots/png.render';
import { accuracyChart, learningRateChart, lossChart, rocChart } from '../plots/training.charts';
import { sampleSchedule, type Schedule } from '../schedules/lr.schedule';
import { type RocPoint } from '../metrics/ranking.metrics';
import { toEpochRecord } from './epoch.records';
import { type EpochSummary } from './training.hooks';

/** PNG files of a run, for the caller to store. */
export interface TrainingCharts {
  loss: Buffer;
  accuracy: Buffer;
  learningRate: Buffer;
  roc: Buffer | null;
}

/** Renders the loss, accuracy and lr curves, and the test ROC when there is one. */
export async function renderTrainingCharts(
  history: readonly EpochSummary[],
  schedule: Schedule,
  totalSteps: number,
  roc: { curve: readonly RocPoint[]; auc: number } | null,
): Promise<TrainingCharts> {
  const records = history.map(toEpochRecord);
  const finite = records.every((r) => Number.isFinite(r.trainLoss) && Number.isFinite(r.valLoss));
  const plotted = finite
    ? records
    : records.map((r) => ({ ...r, trainLoss: clampLoss(r.trainLoss), valLoss: clampLoss(r.valLoss) }));
  const step = Math.max(1, Math.floor(totalSteps / 400));
  const rates = sampleSchedule(schedule, totalSteps + 1).filter((p) => p.step % step === 0);
  const [loss, accuracy, learningRate, rocPng] = await Promise.all([
    renderPng(lossChart(plotted).svg),
    renderPng(accuracyChart(records).svg),
    renderPng(learningRateChart(rates).svg),
    roc && roc.curve.length > 0
      ? renderPng(rocChart(roc.curve, { auc: roc.auc }).svg)
      : Promise.resolve(null),
  ]);
  return { loss, accuracy, learningRate, roc: rocPng };
}

/** A diverged epoch is drawn at a large finite value instead of breaking the chart's axis. */
function clampLoss(value: number): number {
  return Number.isFinite(value) ? Math.min(value, 1e3) : 1e3;
}
