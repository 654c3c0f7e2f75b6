import { createRng } from '../random/rng';
import { analyzeLrRange, lrRangeRates, type LrRangePoint } from './lr-range.check';

/** Loss falls from 2.3 as lr grows, bottoms out at lr = 1e-2, then blows up (Infinity from lr 3 on). */
function syntheticRangeTest(seed: number): LrRangePoint[] {
  const rng = createRng(seed);
  return lrRangeRates(1e-6, 10, 100).map((lr) => {
    const x = Math.log10(lr);
    const descent = 2.3 - 2.0 / (1 + Math.exp(-2.5 * (x + 3.5)));
    const blowUp = x > -2 ? 3 * (x + 2) ** 3 : 0;
    const loss = x >= 0.5 ? Number.POSITIVE_INFINITY : descent + blowUp + rng.normal(0, 0.03);
    return { lr, loss };
  });
}

describe('lrRangeRates', () => {
  it('grows geometrically from min to max', () => {
    const rates = lrRangeRates(1e-4, 1, 5);
    expect(rates.map((r) => Math.log10(r))).toEqual(
      [-4, -3, -2, -1, 0].map((v) => expect.closeTo(v, 12) as number),
    );
    expect(() => lrRangeRates(1, 0.1, 5)).toThrow(RangeError);
  });
});

describe('analyzeLrRange', () => {
  it('proposes a tenth of the minimum-loss lr and reports divergence', () => {
    const finding = analyzeLrRange(syntheticRangeTest(1));
    expect(finding.status).toBe('pass');
    expect(finding.minLossLr).toBeGreaterThan(3e-3);
    expect(finding.minLossLr).toBeLessThan(3e-2);
    expect(finding.suggestedLr).toBeCloseTo((finding.minLossLr ?? 0) / 10, 15);
    expect(finding.steepestLr).toBeLessThan(finding.minLossLr ?? 0);
    expect(finding.steepestLr).toBeGreaterThan(1e-5);
    expect(finding.divergedAtLr).toBeGreaterThan(finding.minLossLr ?? 0);
    expect(finding.divergedAtLr).toBeLessThanOrEqual(Math.sqrt(10));
    expect(finding.evidence.diverged).toBe(true);
    expect(finding.smoothedLoss.length).toBeGreaterThan(80);
    expect(finding.message).toMatch(
      /^suggested lr \d\.\de-\d, a decade below the minimum loss at \d\.\de-\d \(loss [\d.]+ → [\d.]+; /,
    );
  });

  it('gives the same proposal for another noise draw', () => {
    const a = analyzeLrRange(syntheticRangeTest(1)).suggestedLr ?? 0;
    const b = analyzeLrRange(syntheticRangeTest(2)).suggestedLr ?? 0;
    expect(Math.abs(Math.log10(a) - Math.log10(b))).toBeLessThan(0.5);
  });

  it('warns when the range ends before the loss diverges', () => {
    const points = lrRangeRates(1e-5, 1e-2, 50).map((lr, i) => ({ lr, loss: 2.3 - i * 0.02 }));
    const finding = analyzeLrRange(points);
    expect(finding.status).toBe('warn');
    expect(finding.divergedAtLr).toBeNull();
    expect(finding.message).toContain('extend the range');
    expect(finding.suggestedLr).toBeCloseTo(1e-3, 3);
  });

  it('fails when the loss never decreases', () => {
    const points = lrRangeRates(1e-2, 10, 30).map((lr, i) => ({ lr, loss: 2.3 + i * 0.1 }));
    const finding = analyzeLrRange(points);
    expect(finding.status).toBe('fail');
    expect(finding.suggestedLr).toBeNull();
    expect(finding.message).toContain('never decreased');
  });

  it('fails when the loss is non-finite almost at once', () => {
    const points = lrRangeRates(1, 100, 20).map((lr, i) => ({ lr, loss: i < 2 ? 2.3 : Number.NaN }));
    const finding = analyzeLrRange(points);
    expect(finding.status).toBe('fail');
    expect(finding.divergedAtLr).toBe(points[2].lr);
  });

  it('rejects rates that do not increase', () => {
    expect(() =>
      analyzeLrRange([
        { lr: 0.1, loss: 1 },
        { lr: 0.1, loss: 1 },
      ]),
    ).toThrow(RangeError);
  });
});
