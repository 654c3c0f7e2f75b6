import { type EpochRecord } from '../checklist/finding.types';
import { type RocPoint } from '../metrics/ranking.metrics';
import { lineChartSvg, type AxisScale, type ChartLayout } from './svg.chart';

export const CHART_COLORS = {
  train: '#1f77b4',
  validation: '#ff7f0e',
  learningRate: '#2ca02c',
  roc: '#d62728',
  chance: '#8c8c8c',
} as const;

export interface ChartSize {
  width?: number;
  height?: number;
}

export interface Chart {
  svg: string;
  layout: ChartLayout;
}

const size = (s: ChartSize) => ({ width: s.width ?? 640, height: s.height ?? 400 });

/** Train and validation loss per epoch; a log axis helps when the loss spans decades. */
export function lossChart(
  epochs: readonly EpochRecord[],
  options: ChartSize & { yScale?: AxisScale } = {},
): Chart {
  return lineChartSvg({
    ...size(options),
    title: 'Loss',
    xLabel: 'epoch',
    yLabel: 'loss',
    yScale: options.yScale,
    series: [
      {
        name: 'train',
        color: CHART_COLORS.train,
        points: epochs.map((e) => ({ x: e.epoch, y: e.trainLoss })),
      },
      {
        name: 'validation',
        color: CHART_COLORS.validation,
        points: epochs.map((e) => ({ x: e.epoch, y: e.valLoss })),
      },
    ],
  });
}

/** Train and validation accuracy per epoch, on a fixed [0, 1] axis so runs compare at a glance. */
export function accuracyChart(epochs: readonly EpochRecord[], options: ChartSize = {}): Chart {
  return lineChartSvg({
    ...size(options),
    title: 'Accuracy',
    xLabel: 'epoch',
    yLabel: 'accuracy',
    yDomain: [0, 1.02],
    series: [
      {
        name: 'train',
        color: CHART_COLORS.train,
        points: epochs.map((e) => ({ x: e.epoch, y: e.trainAcc })),
      },
      {
        name: 'validation',
        color: CHART_COLORS.validation,
        points: epochs.map((e) => ({ x: e.epoch, y: e.valAcc })),
      },
    ],
  });
}

/** The learning rate per step (or epoch), e.g. from sampleSchedule. */
export function learningRateChart(
  points: readonly { step: number; lr: number }[],
  options: ChartSize & { yScale?: AxisScale; xLabel?: string } = {},
): Chart {
  return lineChartSvg({
    ...size(options),
    title: 'Learning rate',
    xLabel: options.xLabel ?? 'step',
    yLabel: 'learning rate',
    yScale: options.yScale,
    series: [
      { name: 'lr', color: CHART_COLORS.learningRate, points: points.map((p) => ({ x: p.step, y: p.lr })) },
    ],
  });
}

/** ROC curve with the chance diagonal; the AUC goes in the title when given. */
export function rocChart(curve: readonly RocPoint[], options: ChartSize & { auc?: number } = {}): Chart {
  const domain: [number, number] = [-0.02, 1.02];
  return lineChartSvg({
    ...size(options),
    title: options.auc === undefined ? 'ROC' : `ROC (AUC ${options.auc.toFixed(3)})`,
    xLabel: 'false positive rate',
    yLabel: 'true positive rate',
    xDomain: domain,
    yDomain: domain,
    series: [
      {
        name: 'chance',
        color: CHART_COLORS.chance,
        dashed: true,
        points: [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
      },
      {
        name: 'model',
        color: CHART_COLORS.roc,
        points: curve.map((p) => ({ x: p.falsePositiveRate, y: p.truePositiveRate })),
      },
    ],
  });
}
