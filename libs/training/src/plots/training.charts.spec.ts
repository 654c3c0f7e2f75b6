import sharp from 'sharp';
import { type EpochRecord } from '../checklist/finding.types';
import { rocCurve } from '../metrics/ranking.metrics';
import { createSchedule, sampleSchedule } from '../schedules/lr.schedule';
import { renderPng } from './png.render';
import { type ChartLayout, type ChartPoint } from './svg.chart';
import { accuracyChart, CHART_COLORS, learningRateChart, lossChart, rocChart } from './training.charts';

interface Raster {
  width: number;
  height: number;
  pixel(x: number, y: number): [number, number, number];
}

async function rasterise(svg: string): Promise<{ png: Buffer; raster: Raster }> {
  const png = await renderPng(svg);
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    png,
    raster: {
      width: info.width,
      height: info.height,
      pixel: (x, y) => {
        const i = (Math.round(y) * info.width + Math.round(x)) * info.channels;
        return [data[i], data[i + 1], data[i + 2]];
      },
    },
  };
}

const rgb = (hex: string): [number, number, number] =>
  [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/** True when a pixel within one pixel of `point` has `color` (lines are anti-aliased at their edges). */
function hasColorNear(raster: Raster, layout: ChartLayout, point: ChartPoint, color: string): boolean {
  const target = rgb(color);
  const { x, y } = layout.toPixel(point);
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const pixel = raster.pixel(x + dx, y + dy);
      if (pixel.every((v, i) => Math.abs(v - target[i]) <= 12)) return true;
    }
  }
  return false;
}

const epochs: EpochRecord[] = [0, 1, 2, 3, 4].map((epoch) => ({
  epoch,
  trainLoss: 1,
  valLoss: 2,
  trainAcc: 0.5 + epoch * 0.1,
  valAcc: 0.4 + epoch * 0.1,
  lr: 0.1,
}));

describe('training charts as PNG', () => {
  it('renders a loss chart of the requested size with both lines where the data says', async () => {
    const chart = lossChart(epochs, { width: 500, height: 320 });
    const { png, raster } = await rasterise(chart.svg);
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 500, 320]);
    expect(hasColorNear(raster, chart.layout, { x: 2.5, y: 1 }, CHART_COLORS.train)).toBe(true);
    expect(hasColorNear(raster, chart.layout, { x: 2.5, y: 2 }, CHART_COLORS.validation)).toBe(true);
    expect(hasColorNear(raster, chart.layout, { x: 2.5, y: 1.5 }, CHART_COLORS.train)).toBe(false);
    expect(raster.pixel(raster.width - 3, raster.height - 3)).toEqual([255, 255, 255]);
  });

  it('draws accuracy on a fixed 0-1 axis', async () => {
    const chart = accuracyChart(epochs);
    expect(chart.layout.yDomain).toEqual([0, 1.02]);
    const { raster } = await rasterise(chart.svg);
    expect([raster.width, raster.height]).toEqual([640, 400]);
    expect(hasColorNear(raster, chart.layout, { x: 2, y: 0.7 }, CHART_COLORS.train)).toBe(true);
    expect(hasColorNear(raster, chart.layout, { x: 3, y: 0.7 }, CHART_COLORS.validation)).toBe(true);
  });

  it('draws a cosine schedule with warm-up, on a log axis when asked', async () => {
    const lrs = sampleSchedule(
      createSchedule({
        kind: 'cosine',
        lr: 0.1,
        minLr: 1e-4,
        totalSteps: 100,
        warmup: { steps: 10, startLr: 1e-3 },
      }),
      101,
    );
    const chart = learningRateChart(lrs, { yScale: 'log' });
    expect(chart.svg).toContain('>0.01<');
    const { raster } = await rasterise(chart.svg);
    expect(hasColorNear(raster, chart.layout, { x: 10, y: 0.1 }, CHART_COLORS.learningRate)).toBe(true);
    expect(hasColorNear(raster, chart.layout, { x: 55, y: lrs[55].lr }, CHART_COLORS.learningRate)).toBe(
      true,
    );
  });

  it('draws the ROC curve and the chance diagonal', async () => {
    const curve = rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]);
    const chart = rocChart(curve, { auc: 0.75, width: 420, height: 420 });
    expect(chart.svg).toContain('ROC (AUC 0.750)');
    const { raster } = await rasterise(chart.svg);
    // The curve runs (0, 0.5) -> (0.5, 0.5) -> (0.5, 1) -> (1, 1).
    expect(hasColorNear(raster, chart.layout, { x: 0.25, y: 0.5 }, CHART_COLORS.roc)).toBe(true);
    expect(hasColorNear(raster, chart.layout, { x: 0.5, y: 0.75 }, CHART_COLORS.roc)).toBe(true);
    expect(hasColorNear(raster, chart.layout, { x: 0.75, y: 1 }, CHART_COLORS.roc)).toBe(true);
    expect(hasColorNear(raster, chart.layout, { x: 0.2, y: 0.2 }, CHART_COLORS.chance)).toBe(true);
  });

  it('breaks the line at NaN losses instead of failing', async () => {
    const exploding = epochs.map((e, i) => ({ ...e, trainLoss: i >= 3 ? Number.NaN : 2 - i * 0.5 }));
    const chart = lossChart(exploding);
    expect(chart.svg).not.toContain('NaN');
    const { raster } = await rasterise(chart.svg);
    expect(hasColorNear(raster, chart.layout, { x: 0.5, y: 1.75 }, CHART_COLORS.train)).toBe(true);
  });
});
