import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface LineSeries {
  label: string;
  values: (number | null)[];
  color: string;
}

interface Props {
  title: string;
  xLabel: string;
  xs: number[];
  series: LineSeries[];
  log?: boolean;
}

const tick = (value: number) =>
  value === 0 ? '0' : Math.abs(value) < 0.01 ? value.toExponential(0) : String(Number(value.toPrecision(2)));

/** A small uPlot line chart over a numeric x axis (steps or epochs); redrawn when its data grows. */
export function LineChart({ title, xLabel, xs, series, log }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}:${s.color}`).join('|');

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const plot = new uPlot(
      {
        width: Math.max(260, element.clientWidth),
        height: 200,
        legend: { show: true },
        scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
        axes: [{ label: xLabel }, { size: 60, values: (_u, ticks) => ticks.map(tick) }],
        series: [{ label: xLabel }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2 }))],
      },
      [[], ...series.map(() => [])],
      element,
    );
    plotRef.current = plot;
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(260, element.clientWidth), height: 200 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
    // The series' labels and colours make the chart; their values are pushed by the effect below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape, xLabel, log]);

  useEffect(() => {
    plotRef.current?.setData([xs, ...series.map((s) => s.values)]);
  }, [xs, series]);

  return (
    <figure className="chart" data-points={xs.length}>
      <figcaption>{title}</figcaption>
      <div ref={container} role="img" aria-label={`${title}: ${xs.length} points`} />
    </figure>
  );
}
