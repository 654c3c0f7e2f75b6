export { renderPng } from './png.render';
export {
  escapeXml,
  formatTick,
  LINE_WIDTH,
  lineChartSvg,
  paddedDomain,
  ticks,
  type AxisScale,
  type ChartLayout,
  type ChartPoint,
  type ChartSeries,
  type LineChartSpec,
} from './svg.chart';
export {
  accuracyChart,
  CHART_COLORS,
  learningRateChart,
  lossChart,
  rocChart,
  type Chart,
  type ChartSize,
} from './training.charts';
