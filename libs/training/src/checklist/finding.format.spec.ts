import { formatLoss, formatLr, formatPercent } from './finding.format';

describe('finding numbers', () => {
  it('prints fractions as percentages with one decimal', () => {
    expect(formatPercent(0.453125)).toBe('45.3%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(Number.NaN)).toBe('NaN');
  });

  it('prints losses to 3 significant digits, tiny ones in exponent form', () => {
    expect(formatLoss(0.44444444)).toBe('0.444');
    expect(formatLoss(Math.log(6))).toBe('1.79');
    expect(formatLoss(12.3456)).toBe('12.3');
    expect(formatLoss(0.000123456)).toBe('1.23e-4');
    expect(formatLoss(0)).toBe('0');
    expect(formatLoss(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });

  it('prints learning rates in exponent form', () => {
    expect(formatLr(0.003)).toBe('3.0e-3');
    expect(formatLr(0.0125)).toBe('1.3e-2');
    expect(formatLr(1)).toBe('1.0e0');
    expect(formatLr(12.5)).toBe('1.3e1');
  });
});
