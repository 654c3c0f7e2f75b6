import { defectScore, explainedClassIndex } from './defect.score';

const manifest = { classNames: ['ok', 'blowhole', 'crack'], positiveClasses: ['blowhole', 'crack'] };

describe('defectScore', () => {
  it('sums the probabilities of the positive classes and names every class', () => {
    const { score, byClass } = defectScore(new Float32Array([0.5, 0.3, 0.2]), manifest);
    expect(score).toBeCloseTo(0.5, 6);
    expect(Object.keys(byClass)).toEqual(['ok', 'blowhole', 'crack']);
    expect(byClass.crack).toBeCloseTo(0.2, 6);
  });

  it('keeps the score a probability when float32 rounding overshoots', () => {
    expect(defectScore(new Float32Array([0, 0.6000001, 0.4000001]), manifest).score).toBe(1);
  });

  it('refuses probabilities that do not match the classes', () => {
    expect(() => defectScore(new Float32Array([0.5, 0.5]), manifest)).toThrow(
      '2 probabilities for 3 classes',
    );
  });
});

describe('explainedClassIndex', () => {
  it('explains the most probable defect class', () => {
    expect(explainedClassIndex(manifest, { ok: 0.1, blowhole: 0.2, crack: 0.7 })).toBe(2);
    expect(explainedClassIndex(manifest, { ok: 0.1, blowhole: 0.7, crack: 0.2 })).toBe(1);
    expect(explainedClassIndex(manifest, null)).toBe(1);
  });
});
