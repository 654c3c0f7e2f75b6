import { checkHeldOutAfterOverfit } from '../engine/label-sanity.check';
import { readCurves } from './curves.check';
import { explainFinding, roundNumbers } from './finding.explain';

describe('explainFinding', () => {
  it('says a one-class held-out sample cannot judge the labels, and how to fix it', () => {
    const card = explainFinding(checkHeldOutAfterOverfit(0.453, Array<number>(128).fill(0)));
    expect(card.status).toBe('warn');
    expect(card.measured).toBe('held-out accuracy 45.3% on 128 validation images (a stratified sample)');
    expect(card.meaning).toContain('cannot tell matching labels from shuffled ones');
    expect(card.action).toContain('data.split.validation');
  });

  it('names the epoch a curve finding was read at, and that early stopping kept it', () => {
    const epochs = [0.9, 0.5, 0.3, 0.25].map((trainLoss, i) => ({
      epoch: i + 1,
      trainLoss,
      valLoss: trainLoss * 1.1,
      trainAcc: 0.95,
      valAcc: 0.94,
      lr: 0.01 / (i + 1),
    }));
    const [finding] = readCurves(epochs, { keptEpoch: 3 });
    const card = explainFinding(finding);
    expect(card.outcome).toContain('Read at epoch 3 of 4: early stopping kept');
    expect(card.measured).toBe('train accuracy 95.0%, validation 94.0%');
  });

  it('says whether the run took the proposed learning rate, in exponent form', () => {
    const finding = {
      check: 'lr-range-test',
      status: 'pass' as const,
      message: 'suggested lr 3.0e-3',
      evidence: { suggestedLr: 0.003, minLossLr: 0.03, applied: true, configuredLr: 0.001 },
    };
    expect(explainFinding(finding)).toMatchObject({
      measured: 'proposed lr 3.0e-3',
      outcome: 'The run trained at the proposed rate 3.0e-3 (checklist.lrRange.apply).',
    });
    expect(explainFinding({ ...finding, evidence: { ...finding.evidence, applied: false } }).outcome).toBe(
      'Only reported: the run trained at schedule.lr 1.0e-3.',
    );
  });

  it('rounds the long decimals of findings stored before their messages were', () => {
    expect(roundNumbers('the model (0.4444444 <= 0.87812345)')).toBe('the model (0.444 <= 0.878)');
  });
});
