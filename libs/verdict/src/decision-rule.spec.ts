import { resolveDecisionRule, type ThresholdOverrides } from './decision-rule';

const manifest = { threshold: 0.5, uncertainBand: { low: 0.4, high: 0.6 } };
const none: ThresholdOverrides = { operatingThreshold: null, uncertainLow: null, uncertainHigh: null };

describe('resolveDecisionRule', () => {
  it("uses the manifest's operating point when nothing overrides it", () => {
    expect(resolveDecisionRule(manifest, none)).toEqual({ threshold: 0.5, band: { low: 0.4, high: 0.6 } });
    expect(resolveDecisionRule(manifest, none, null)).toEqual({
      threshold: 0.5,
      band: { low: 0.4, high: 0.6 },
    });
  });

  it('takes each value from the line, else the model row, else the manifest', () => {
    const model = { operatingThreshold: 0.45, uncertainLow: 0.3, uncertainHigh: null };
    expect(resolveDecisionRule(manifest, model)).toEqual({ threshold: 0.45, band: { low: 0.3, high: 0.6 } });
    const line = { operatingThreshold: null, uncertainLow: null, uncertainHigh: 0.5 };
    expect(resolveDecisionRule(manifest, model, line)).toEqual({
      threshold: 0.45,
      band: { low: 0.3, high: 0.5 },
    });
  });

  it("stretches an inherited band to a line's threshold outside it", () => {
    expect(resolveDecisionRule(manifest, none, { ...none, operatingThreshold: 0.9 })).toEqual({
      threshold: 0.9,
      band: { low: 0.4, high: 0.9 },
    });
    expect(resolveDecisionRule(manifest, none, { ...none, operatingThreshold: 0.1 })).toEqual({
      threshold: 0.1,
      band: { low: 0.1, high: 0.6 },
    });
  });

  it("keeps a line's band and moves an inherited threshold into it", () => {
    expect(resolveDecisionRule(manifest, none, { ...none, uncertainLow: 0.7, uncertainHigh: 0.8 })).toEqual({
      threshold: 0.7,
      band: { low: 0.7, high: 0.8 },
    });
    // Only a high edge below the inherited low: the line's value stands, the band closes on it.
    expect(resolveDecisionRule(manifest, none, { ...none, uncertainHigh: 0.2 })).toEqual({
      threshold: 0.2,
      band: { low: 0.2, high: 0.2 },
    });
  });
});
