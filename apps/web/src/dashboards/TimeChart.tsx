import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  color: string;
}

interface Props {
  title: string;
  /** Bucket starts, in seconds since the epoch. */
  times: number[];
  series: ChartSeries[];
  unit?: string;
  /** A click on a point: the bucket's index and the series nearest the pointer. */
  onPointClick?: (index: number, series: number) => void;
}

const formatTick = (value: number) =>
  Math.abs(value) >= 100 || value === 0 ? value.toFixed(0) : Number(value.toPrecision(2)).toString();

/** A small time chart (uPlot: ~50 KB, canvas, fast on hundreds of points). */
export function TimeChart({ title, times, series, unit, onPointClick }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const clickRef = useRef(onPointClick);
  clickRef.current = onPointClick;

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(280, element.clientWidth),
      height: 220,
      legend: { show: true },
      cursor: { focus: { prox: 24 } },
      focus: { alpha: 0.4 },
      scales: { x: { time: true } },
      axes: [
        {},
        {
          size: 72,
          values: (_u, ticks) => ticks.map((tick) => `${formatTick(tick)}${unit ?? ''}`),
        },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          points: { show: true, size: 4 },
        })),
      ],
    };
    const plot = new uPlot(options, [times, ...series.map((s) => s.values)], element);
    const onClick = () => {
      const index = plot.cursor.idx;
      if (index === null || index === undefined || !clickRef.current) return;
      const top = plot.cursor.top ?? 0;
      const pointerValue = plot.posToVal(top, 'y');
      let nearest = 0;
      let best = Infinity;
      series.forEach((s, i) => {
        const value = s.values[index];
        if (value === null || value === undefined) return;
        const distance = Math.abs(value - pointerValue);
        if (distance < best) [best, nearest] = [distance, i];
      });
      clickRef.current(index, nearest);
    };
    plot.over.addEventListener('click', onClick);
    plot.over.style.cursor = onPointClick ? 'pointer' : 'default';
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(280, element.clientWidth), height: 220 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.over.removeEventListener('click', onClick);
      plot.destroy();
    };
    // the chart is rebuilt when its data change; the click handler is read through the ref
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [times, series, unit]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div
        ref={container}
        role="img"
        aria-label={`${title} chart; the data table below has the same values`}
      />
    </figure>
  );
}
