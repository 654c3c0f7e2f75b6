import { softmaxRows } from './logits.helpers';

describe('softmaxRows', () => {
  it('turns each row of logits into probabilities summing to one', () => {
    const probabilities = softmaxRows(new Float32Array([0, Math.log(3), 1000, 1000 + Math.log(4)]), 2);
    expect(Array.from(probabilities).map((value) => Number(value.toFixed(6)))).toEqual([
      0.25, 0.75, 0.2, 0.8,
    ]);
  });

  it('refuses logits that are not whole rows', () => {
    expect(() => softmaxRows(new Float32Array(5), 2)).toThrow(RangeError);
  });
});
