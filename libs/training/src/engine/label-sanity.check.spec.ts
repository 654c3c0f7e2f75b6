import { checkHeldOutAfterOverfit } from './label-sanity.check';

describe('checkHeldOutAfterOverfit', () => {
  const balanced = Array.from({ length: 60 }, (_, i) => i % 6);

  it('passes a held-out accuracy well above the majority rate', () => {
    const finding = checkHeldOutAfterOverfit(0.55, balanced);
    expect(finding.status).toBe('pass');
    expect(finding.evidence.majorityRate).toBeCloseTo(1 / 6, 12);
    // 1/6 + 2.326 sqrt(1/6 * 5/6 / 60)
    expect(finding.evidence.chanceBound).toBeCloseTo(1 / 6 + 2.326 * Math.sqrt(5 / 36 / 60), 12);
  });

  it('fails chance-level accuracy and points at the labels', () => {
    const finding = checkHeldOutAfterOverfit(0.2, balanced);
    expect(finding.status).toBe('fail');
    expect(finding.message).toContain('labels belong to the images');
  });

  it('measures chance by the majority class, so an imbalanced set needs more than its majority rate', () => {
    const imbalanced = [...Array<number>(80).fill(0), ...Array<number>(20).fill(1)];
    expect(checkHeldOutAfterOverfit(0.85, imbalanced).status).toBe('fail');
    expect(checkHeldOutAfterOverfit(0.95, imbalanced).status).toBe('pass');
  });

  it('warns, without accusing the labels, when every held-out image is of one class', () => {
    const finding = checkHeldOutAfterOverfit(0.453, Array<number>(128).fill(0));
    expect(finding.status).toBe('warn');
    expect(finding.message).toContain('all of one class');
    expect(finding.message).not.toContain('labels belong');
    expect(finding.evidence.heldOutClasses).toBe(1);
  });

  it('states the measured value and the expected bound rounded', () => {
    const finding = checkHeldOutAfterOverfit(0.44444444, balanced);
    expect(finding.message).toContain('held-out accuracy 44.4% on 60 images');
    expect(finding.message).toContain('above 27.9% (majority class 16.7%');
  });

  it('warns when there is nothing held out', () => {
    expect(checkHeldOutAfterOverfit(Number.NaN, []).status).toBe('warn');
  });
});
