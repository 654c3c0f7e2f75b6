import { operatingThreshold, uncertainBand, verdictCounts, verdictFor } from './operating-point.metrics';

// Five defects and five ok parts, scores chosen by hand.
const scores = [0.95, 0.9, 0.8, 0.6, 0.2, 0.1, 0.3, 0.5, 0.7, 0.05];
const labels = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0];

describe('operatingThreshold', () => {
  it('picks the highest threshold whose defect recall reaches the target', () => {
    expect(operatingThreshold(scores, labels, 0.8)).toEqual({
      threshold: 0.6,
      targetRecall: 0.8,
      recall: 0.8,
      precision: 0.8,
      falsePositiveRate: 0.2,
    });
    expect(operatingThreshold(scores, labels, 0.6).threshold).toBe(0.8);
    const strict = operatingThreshold(scores, labels);
    expect(strict).toMatchObject({ threshold: 0.2, targetRecall: 0.99, recall: 1, precision: 5 / 8 });
  });

  it('treats tied scores as one threshold', () => {
    expect(operatingThreshold([0.9, 0.5, 0.5, 0.5], [1, 1, 0, 1], 0.5).threshold).toBe(0.5);
  });

  it('refuses a validation set without defects and an impossible target', () => {
    expect(() => operatingThreshold([0.1, 0.2], [0, 0])).toThrow('no defect');
    expect(() => operatingThreshold(scores, labels, 1.5)).toThrow(RangeError);
  });
});

describe('uncertainBand', () => {
  it('spans from the safe-recall threshold to the first threshold with safe precision', () => {
    const band = uncertainBand(scores, labels, 0.6);
    // low: recall 0.999 needs every defect, down to 0.2. high: precision at 0.6 = 0.8, 0.7 = 0.75, 0.8 = 1.
    expect(band).toEqual({
      low: 0.2,
      high: 0.8,
      safeRecall: 0.999,
      safePrecision: 0.99,
      recallAtLow: 1,
      precisionAtHigh: 1,
      safePrecisionReached: true,
    });
  });

  it('widens to the minimum margin', () => {
    const band = uncertainBand(scores, labels, 0.6, { minMargin: 0.3 });
    expect(band.low).toBe(0.2);
    expect(band.high).toBeCloseTo(0.9, 12);
  });

  it('collapses the top of the band to the threshold when no threshold reaches safe precision', () => {
    const band = uncertainBand([0.9, 0.8, 0.99, 0.1], [1, 1, 0, 0], 0.8);
    expect(band).toMatchObject({ low: 0.8, high: 0.8, safePrecisionReached: false });
    expect(band.precisionAtHigh).toBeCloseTo(2 / 3, 12);
  });

  it('never puts low above the threshold', () => {
    expect(uncertainBand(scores, labels, 0.1, { safeRecall: 0.5 }).low).toBe(0.1);
  });
});

describe('verdictFor', () => {
  const band = { low: 0.2, high: 0.8 };

  it.each([
    [0.1, 'ok'],
    [0.2, 'uncertain'],
    [0.6, 'uncertain'],
    [0.79, 'uncertain'],
    [0.8, 'defect'],
    [0.99, 'defect'],
    [Number.NaN, 'uncertain'],
  ] as const)('score %p with band [0.2, 0.8) -> %s', (score, verdict) => {
    expect(verdictFor(score, 0.6, band)).toBe(verdict);
  });

  it('uses the plain threshold without a band', () => {
    expect(verdictFor(0.59, 0.6)).toBe('ok');
    expect(verdictFor(0.6, 0.6)).toBe('defect');
  });

  it('rejects a band that does not contain the threshold', () => {
    expect(() => verdictFor(0.5, 0.9, band)).toThrow(RangeError);
  });
});

describe('verdictCounts', () => {
  it('counts verdicts per true class with escape, false-reject and review rates', () => {
    const result = verdictCounts(scores, labels, 0.6, { low: 0.2, high: 0.8 });
    expect(result.counts).toEqual({
      defect: { ok: 0, defect: 3, uncertain: 2 },
      ok: { ok: 2, defect: 0, uncertain: 3 },
    });
    expect(result).toMatchObject({ escapeRate: 0, falseRejectRate: 0, reviewRate: 0.5 });
  });

  it('shows the escapes of a threshold that is too high', () => {
    const result = verdictCounts(scores, labels, 0.85);
    expect(result.escapeRate).toBeCloseTo(3 / 5, 12);
    expect(result.reviewRate).toBe(0);
  });
});
