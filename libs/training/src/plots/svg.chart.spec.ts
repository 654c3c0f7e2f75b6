import { escapeXml, formatTick, lineChartSvg, paddedDomain, ticks } from './svg.chart';

describe('chart helpers', () => {
  it('chooses 1-2-5 ticks inside the domain', () => {
    expect(ticks([0, 1])).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks([-0.07, 2.3])).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(ticks([0, 37])).toEqual([0, 10, 20, 30]);
    expect(ticks([3e-5, 0.2], 'log')).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
  });

  it('pads the finite data range and handles degenerate data', () => {
    expect(paddedDomain([0, 10, Number.NaN])).toEqual([-0.5, 10.5]);
    expect(paddedDomain([3, 3])).toEqual([2.45, 3.55]);
    expect(paddedDomain([])).toEqual([0, 1]);
    const [low, high] = paddedDomain([0.001, 0.1], 'log');
    expect(Math.log10(low)).toBeCloseTo(-3.1, 12);
    expect(Math.log10(high)).toBeCloseTo(-0.9, 12);
  });

  it('formats ticks compactly and escapes text', () => {
    expect([0, 0.5, 1e-4, 25000, 1 / 3, 123456].map(formatTick)).toEqual([
      '0',
      '0.5',
      '1e-4',
      '2.5e4',
      '0.3333',
      '1.23e5',
    ]);
    expect(escapeXml('a < b & "c"')).toBe('a &lt; b &amp; &quot;c&quot;');
  });

  it('maps data to pixels inside the plot frame', () => {
    const { layout, svg } = lineChartSvg({
      width: 300,
      height: 200,
      title: 'T <1>',
      xLabel: 'x',
      yLabel: 'y',
      xDomain: [0, 10],
      yDomain: [0, 1],
      series: [{ name: 's', color: '#000000', points: [{ x: 0, y: 0 }] }],
    });
    expect(layout.toPixel({ x: 0, y: 0 })).toEqual({ x: layout.plot.left, y: layout.plot.bottom });
    expect(layout.toPixel({ x: 10, y: 1 })).toEqual({ x: layout.plot.right, y: layout.plot.top });
    expect(svg).toContain('T &lt;1&gt;');
    expect(svg).toContain('<circle');
    expect(() =>
      lineChartSvg({ width: 50, height: 50, title: '', xLabel: '', yLabel: '', series: [] }),
    ).toThrow(RangeError);
  });
});
