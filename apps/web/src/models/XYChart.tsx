import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface XYSeries {
  label: string;
  color: string;
  points: { x: number; y: number | null }[];
  dash?: number[];
}

interface Props {
  title: string;
  xLabel: string;
  yLabel: string;
  series: XYSeries[];
  /** Fixed [min, max] of both axes (curves on [0, 1]); by default each axis fits the data. */
  unitSquare?: boolean;
  height?: number;
}

/**
 * Series with their own x values on one uPlot chart (ROC curves of two versions, loss per epoch): the x values of
 * all series are merged in order, each series has null where another one has a point, and gaps are spanned.
 */
function aligned(series: XYSeries[]): uPlot.AlignedData {
  const rows: { x: number; series: number; y: number | null }[] = [];
  series.forEach((s, index) => s.points.forEach((p) => rows.push({ x: p.x, series: index, y: p.y })));
  // A stable sort keeps each series' own order among equal x (the vertical steps of a ROC curve).
  rows.sort((a, b) => a.x - b.x);
  const xs = rows.map((row) => row.x);
  const ys = series.map((_, index) => rows.map((row) => (row.series === index ? row.y : null)));
  return [xs, ...ys];
}

/** Ticks readable at any scale: 0.0003 as 3e-4, not 0. */
function formatTick(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) < 0.01) return value.toExponential(1);
  return Number(value.toPrecision(3)).toString();
}

export function XYChart({ title, xLabel, yLabel, series, unitSquare, height = 240 }: Props) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const size = () => ({ width: Math.max(260, element.clientWidth), height });
    const range: uPlot.Range.MinMax | undefined = unitSquare ? [0, 1] : undefined;
    const options: uPlot.Options = {
      ...size(),
      legend: { show: true },
      scales: {
        x: { time: false, ...(range ? { range: () => range } : {}) },
        y: range ? { range: () => range } : {},
      },
      axes: [
        { label: xLabel, values: (_u, ticks) => ticks.map(formatTick) },
        { label: yLabel, size: 60, values: (_u, ticks) => ticks.map(formatTick) },
      ],
      series: [
        { label: xLabel },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          spanGaps: true,
          dash: s.dash,
          points: { show: false },
        })),
      ],
    };
    const plot = new uPlot(options, aligned(series), element);
    const resize = new ResizeObserver(() => plot.setSize(size()));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, xLabel, yLabel, unitSquare, height]);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={container} role="img" aria-label={`${title}: ${yLabel} against ${xLabel}`} />
    </figure>
  );
}
