export type AxisScale = 'linear' | 'log';

export interface ChartPoint {
  x: number;
  y: number;
}

export interface ChartSeries {
  name: string;
  /** Any CSS colour librsvg understands, e.g. '#1f77b4'. */
  color: string;
  /** Non-finite y values (NaN, Infinity) break the line instead of being drawn. */
  points: readonly ChartPoint[];
  dashed?: boolean;
}

export interface LineChartSpec {
  width: number;
  height: number;
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  xScale?: AxisScale;
  yScale?: AxisScale;
  /** Fixed axis ranges; by default the finite data range, padded 5%. */
  xDomain?: [number, number];
  yDomain?: [number, number];
}

export interface ChartLayout {
  plot: { left: number; top: number; right: number; bottom: number };
  xDomain: [number, number];
  yDomain: [number, number];
  /** Where a data point lands in the image, in pixels from the top-left corner. */
  toPixel(point: ChartPoint): ChartPoint;
}

export const LINE_WIDTH = 3;
const FONT = 'font-family="DejaVu Sans, Arial, Helvetica, sans-serif"';
const MARGIN = { left: 64, right: 20, top: 40, bottom: 48 };

/** A line chart as a standalone SVG document (axes, ticks, grid, labels, legend, one polyline per series). */
export function lineChartSvg(spec: LineChartSpec): { svg: string; layout: ChartLayout } {
  if (spec.width < MARGIN.left + MARGIN.right + 20 || spec.height < MARGIN.top + MARGIN.bottom + 20) {
    throw new RangeError(`chart ${spec.width}x${spec.height} is too small`);
  }
  const xScale = spec.xScale ?? 'linear';
  const yScale = spec.yScale ?? 'linear';
  const all = spec.series.flatMap((s) => s.points);
  const xDomain =
    spec.xDomain ??
    paddedDomain(
      all.map((p) => p.x),
      xScale,
    );
  const yDomain =
    spec.yDomain ??
    paddedDomain(
      all.map((p) => p.y),
      yScale,
    );
  const layout = makeLayout(spec.width, spec.height, xDomain, yDomain, xScale, yScale);
  const { left, top, right, bottom } = layout.plot;

  const xTicks = ticks(xDomain, xScale);
  const yTicks = ticks(yDomain, yScale);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${spec.width}" height="${spec.height}" viewBox="0 0 ${spec.width} ${spec.height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...xTicks.map((t) => {
      const x = layout.toPixel({ x: t, y: yDomain[0] }).x;
      return (
        `<line x1="${f(x)}" y1="${f(top)}" x2="${f(x)}" y2="${f(bottom)}" stroke="#e6e6e6" stroke-width="1"/>` +
        `<text x="${f(x)}" y="${f(bottom + 16)}" ${FONT} font-size="11" fill="#333333" text-anchor="middle">${escapeXml(formatTick(t))}</text>`
      );
    }),
    ...yTicks.map((t) => {
      const y = layout.toPixel({ x: xDomain[0], y: t }).y;
      return (
        `<line x1="${f(left)}" y1="${f(y)}" x2="${f(right)}" y2="${f(y)}" stroke="#e6e6e6" stroke-width="1"/>` +
        `<text x="${f(left - 6)}" y="${f(y + 4)}" ${FONT} font-size="11" fill="#333333" text-anchor="end">${escapeXml(formatTick(t))}</text>`
      );
    }),
    `<rect x="${f(left)}" y="${f(top)}" width="${f(right - left)}" height="${f(bottom - top)}" fill="none" stroke="#333333" stroke-width="1"/>`,
    ...spec.series.flatMap((s) => polylines(s, layout, xScale, yScale)),
    `<text x="${f(left)}" y="24" ${FONT} font-size="15" font-weight="bold" fill="#111111">${escapeXml(spec.title)}</text>`,
    `<text x="${f((left + right) / 2)}" y="${f(spec.height - 10)}" ${FONT} font-size="12" fill="#111111" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${f((top + bottom) / 2)}) rotate(-90)" ${FONT} font-size="12" fill="#111111" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
    ...legend(spec.series, right),
    '</svg>',
  ];
  return { svg: parts.join('\n'), layout };
}

function makeLayout(
  width: number,
  height: number,
  xDomain: [number, number],
  yDomain: [number, number],
  xScale: AxisScale,
  yScale: AxisScale,
): ChartLayout {
  const plot = {
    left: MARGIN.left,
    top: MARGIN.top,
    right: width - MARGIN.right,
    bottom: height - MARGIN.bottom,
  };
  const position = (value: number, domain: [number, number], scale: AxisScale) => {
    const t = scale === 'log' ? Math.log10 : (v: number) => v;
    return (t(value) - t(domain[0])) / (t(domain[1]) - t(domain[0]));
  };
  return {
    plot,
    xDomain,
    yDomain,
    toPixel: ({ x, y }) => ({
      x: plot.left + position(x, xDomain, xScale) * (plot.right - plot.left),
      y: plot.bottom - position(y, yDomain, yScale) * (plot.bottom - plot.top),
    }),
  };
}

/** One SVG polyline per run of drawable points (finite, and positive on a log axis). */
function polylines(series: ChartSeries, layout: ChartLayout, xScale: AxisScale, yScale: AxisScale): string[] {
  const drawable = (p: ChartPoint) =>
    Number.isFinite(p.x) &&
    Number.isFinite(p.y) &&
    (xScale !== 'log' || p.x > 0) &&
    (yScale !== 'log' || p.y > 0);
  const runs: ChartPoint[][] = [[]];
  for (const point of series.points) {
    if (drawable(point)) runs[runs.length - 1].push(point);
    else if (runs[runs.length - 1].length > 0) runs.push([]);
  }
  const dash = series.dashed ? ' stroke-dasharray="8 5"' : '';
  return runs
    .filter((run) => run.length > 0)
    .map((run) => {
      const coordinates = run.map((p) => layout.toPixel(p)).map((p) => `${f(p.x)},${f(p.y)}`);
      if (coordinates.length === 1) {
        const [x, y] = coordinates[0].split(',');
        return `<circle cx="${x}" cy="${y}" r="${LINE_WIDTH}" fill="${series.color}"/>`;
      }
      return `<polyline points="${coordinates.join(' ')}" fill="none" stroke="${series.color}" stroke-width="${LINE_WIDTH}" stroke-linejoin="round" stroke-linecap="round"${dash}/>`;
    });
}

/** Legend in the top margin, right-aligned, so it never hides data. */
function legend(series: readonly ChartSeries[], right: number): string[] {
  const items: string[] = [];
  let x = right;
  for (const s of [...series].reverse()) {
    const textWidth = s.name.length * 6.5;
    x -= textWidth;
    items.push(
      `<text x="${f(x)}" y="24" ${FONT} font-size="11" fill="#111111">${escapeXml(s.name)}</text>`,
      `<line x1="${f(x - 26)}" y1="20" x2="${f(x - 6)}" y2="20" stroke="${s.color}" stroke-width="${LINE_WIDTH}"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
    );
    x -= 40;
  }
  return items;
}

/** Finite data range padded 5% each side (in log space for a log axis); a single value gets a unit-wide range. */
export function paddedDomain(values: readonly number[], scale: AxisScale = 'linear'): [number, number] {
  const usable = values.filter((v) => Number.isFinite(v) && (scale !== 'log' || v > 0));
  if (usable.length === 0) return scale === 'log' ? [0.1, 10] : [0, 1];
  const t = scale === 'log' ? Math.log10 : (v: number) => v;
  const back = scale === 'log' ? (v: number) => 10 ** v : (v: number) => v;
  let low = t(Math.min(...usable));
  let high = t(Math.max(...usable));
  if (low === high) {
    low -= 0.5;
    high += 0.5;
  }
  const pad = (high - low) * 0.05;
  return [back(low - pad), back(high + pad)];
}

/** About five "nice" ticks (1, 2, 5 x 10^k steps) inside a linear domain, or the powers of ten of a log one. */
export function ticks(domain: [number, number], scale: AxisScale = 'linear'): number[] {
  const [low, high] = domain;
  if (scale === 'log') {
    const result: number[] = [];
    for (let e = Math.ceil(Math.log10(low) - 1e-9); e <= Math.floor(Math.log10(high) + 1e-9); e++)
      result.push(Number(`1e${e}`));
    return result;
  }
  const rough = (high - low) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const result: number[] = [];
  for (let v = Math.ceil(low / step - 1e-9) * step; v <= high + step * 1e-9; v += step) {
    result.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return result;
}

export function formatTick(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4 || magnitude < 1e-3)
    return Number(value.toPrecision(3)).toExponential().replace('e+', 'e');
  return String(Number(value.toPrecision(4)));
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function f(value: number): string {
  return value.toFixed(2);
}
