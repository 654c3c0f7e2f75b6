import { loadTinyNeuSet, trainTinyClassifier } from '../testing/tiny-classifier.testing';
import { checkInitialLoss } from './initial-loss.check';

describe('checkInitialLoss', () => {
  const ln6 = Math.log(6);

  it('passes near ln(C), warns a bit off, fails far off', () => {
    expect(checkInitialLoss(1.8, 6).status).toBe('pass');
    expect(checkInitialLoss(ln6 * 1.4, 6).status).toBe('warn');
    expect(checkInitialLoss(ln6 * 0.6, 6).status).toBe('warn');
    expect(checkInitialLoss(ln6 * 2, 6).status).toBe('fail');
  });

  it('explains a loss far above chance as initialisation and far below as leakage', () => {
    const high = checkInitialLoss(9.2, 6);
    expect(high.message).toContain('initialise the last layer');
    expect(high.evidence).toMatchObject({
      initialLoss: 9.2,
      numClasses: 6,
      tolerance: 0.25,
      weighted: false,
    });
    expect(high.evidence.expectedLoss).toBeCloseTo(ln6, 12);
    expect(high.evidence.relativeError).toBeCloseTo((9.2 - ln6) / ln6, 12);
    expect(checkInitialLoss(0.2, 6).message).toContain('label leakage');
    expect(high.message).toMatch(
      /^initial loss 9\.2, expected ln\(6\) = 1\.79 within 25\.0% \(off by 413\.5%\)/,
    );
  });

  it('gives a weighted loss twice the tolerance', () => {
    expect(checkInitialLoss(ln6 * 1.4, 6, { weighted: true }).status).toBe('pass');
    expect(checkInitialLoss(ln6 * 1.4, 6, { weighted: true }).evidence.tolerance).toBe(0.5);
    expect(checkInitialLoss(ln6 * 2.2, 6, { weighted: true }).status).toBe('fail');
  });

  it('fails a non-finite loss and keeps the evidence JSON-safe', () => {
    const finding = checkInitialLoss(Number.NaN, 2);
    expect(finding.status).toBe('fail');
    expect(JSON.parse(JSON.stringify(finding.evidence))).toMatchObject({ initialLoss: 'NaN' });
    expect(() => checkInitialLoss(1, 1)).toThrow(RangeError);
  });

  it('passes the first loss of a freshly initialised model on real images', async () => {
    const train = await loadTinyNeuSet(1);
    const [first] = await trainTinyClassifier(train, train, {
      lr: 0,
      steps: 1,
      optimizer: 'sgd',
      normalise: true,
    });
    const finding = checkInitialLoss(first.loss, 6);
    expect(finding.status).toBe('pass');
  });
});
