import { loadTinyNeuSet, trainTinyClassifier } from '../testing/tiny-classifier.testing';
import { readCurves } from './curves.check';
import { type EpochRecord } from './finding.types';

interface Columns {
  trainLoss: number[];
  valLoss?: number[];
  trainAcc?: number[];
  valAcc?: number[];
  lr?: number[];
}

/** Epoch records from columns; missing columns default to a healthy, well-fit run. */
function curves(c: Columns): EpochRecord[] {
  return c.trainLoss.map((trainLoss, i) => ({
    epoch: i,
    trainLoss,
    valLoss: c.valLoss?.[i] ?? trainLoss * 1.05,
    trainAcc: c.trainAcc?.[i] ?? 0.95,
    valAcc: c.valAcc?.[i] ?? 0.93,
    lr: c.lr?.[i] ?? 0.1 * 0.5 ** i,
  }));
}

const checks = (epochs: EpochRecord[]) => readCurves(epochs).map((f) => f.check);

describe('readCurves', () => {
  it('calls a smoothly converging run with a decaying rate healthy', () => {
    const findings = readCurves(curves({ trainLoss: [2.0, 1.2, 0.8, 0.5, 0.35, 0.3, 0.28] }));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'curves.healthy', status: 'pass' });
    expect(findings[0].evidence.accuracyGap).toBeCloseTo(0.02, 12);
  });

  it('reports a learning rate of 10 producing NaN as exploding', () => {
    const findings = readCurves(
      curves({
        trainLoss: [2.3, 48.1, Number.NaN, Number.NaN],
        lr: [10, 10, 10, 10],
        trainAcc: [0.1, 0.1, 0.1, 0.1],
      }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'curves.exploding', status: 'fail' });
    expect(findings[0].evidence).toMatchObject({ epoch: 1, lr: 10, trainLoss: 48.1, nonFinite: false });
    expect(findings[0].message).toContain('learning rate is too high');
  });

  it('reports a NaN in the very first epoch as exploding', () => {
    const findings = readCurves(curves({ trainLoss: [Number.NaN, Number.NaN], lr: [10, 10] }));
    expect(findings[0]).toMatchObject({ check: 'curves.exploding', evidence: { nonFinite: true, epoch: 0 } });
    expect(JSON.parse(JSON.stringify(findings[0].evidence))).toMatchObject({ trainLoss: 'NaN' });
  });

  it('reports a late blow-up after good progress as exploding', () => {
    const findings = readCurves(
      curves({ trainLoss: [2.3, 1.0, 0.3, 1.2, 1.5], lr: [0.1, 0.1, 0.1, 0.1, 0.1] }),
    );
    expect(findings[0]).toMatchObject({
      check: 'curves.exploding',
      evidence: { epoch: 3, minTrainLossBefore: 0.3 },
    });
  });

  it('does not call small noise at a low loss exploding', () => {
    expect(checks(curves({ trainLoss: [2.3, 0.5, 0.05, 0.12, 0.06] }))).not.toContain('curves.exploding');
  });

  it('reports a flat start (initialisation) when the loss sits still before falling', () => {
    const findings = readCurves(curves({ trainLoss: [2.3, 2.3, 2.29, 2.28, 1.5, 0.8, 0.4, 0.3] }));
    const flat = findings.find((f) => f.check === 'curves.flat-start');
    expect(flat).toMatchObject({ status: 'warn', evidence: { flatEpochs: 4, firstTrainLoss: 2.3 } });
    expect(flat?.message).toContain('initialisation');
  });

  it('fails a loss that never moves', () => {
    const findings = readCurves(
      curves({
        trainLoss: [2.3, 2.3, 2.3, 2.3],
        trainAcc: [0.1, 0.1, 0.1, 0.1],
        valAcc: [0.1, 0.1, 0.1, 0.1],
      }),
    );
    expect(findings.find((f) => f.check === 'curves.flat-start')).toMatchObject({
      status: 'fail',
      evidence: { flatEpochs: 4 },
    });
  });

  it('reports a plateau at a constant high rate (schedule)', () => {
    const findings = readCurves(
      curves({ trainLoss: [2.0, 1.2, 0.8, 0.6, 0.6, 0.598, 0.6], lr: new Array(7).fill(0.1) }),
    );
    expect(findings.map((f) => f.check)).toEqual(['curves.plateau']);
    expect(findings[0].evidence).toMatchObject({ lr: 0.1, window: 3 });
    expect(findings[0].evidence.relativeImprovement).toBeCloseTo(0.002 / 0.6, 9);
    expect(findings[0].message).toContain('decay the rate');
  });

  it('does not call convergence after the rate has decayed a plateau', () => {
    const lr = [0.1, 0.1, 0.1, 0.1, 0.01, 0.001, 0.0001];
    expect(checks(curves({ trainLoss: [2.0, 1.2, 0.8, 0.6, 0.6, 0.598, 0.6], lr }))).toEqual([
      'curves.healthy',
    ]);
  });

  it('reports a train/validation gap with rising validation loss as overfitting', () => {
    const findings = readCurves(
      curves({
        trainLoss: [2.0, 1.0, 0.5, 0.2, 0.08, 0.03],
        valLoss: [2.1, 1.2, 0.9, 0.95, 1.1, 1.3],
        trainAcc: [0.3, 0.7, 0.85, 0.95, 0.99, 1.0],
        valAcc: [0.3, 0.65, 0.75, 0.76, 0.75, 0.74],
      }),
    );
    expect(findings.map((f) => f.check)).toEqual(['curves.overfitting']);
    expect(findings[0].evidence).toMatchObject({ bestValLossEpoch: 2, bestValLoss: 0.9, finalValLoss: 1.3 });
    expect(findings[0].evidence.accuracyGap).toBeCloseTo(0.26, 12);
    expect(findings[0].message).toContain('regularise');
  });

  it('reports no gap at low accuracy as a model too weak, suggesting longer training while still improving', () => {
    const findings = readCurves(
      curves({
        trainLoss: [1.8, 1.6, 1.45, 1.3, 1.2],
        trainAcc: [0.3, 0.4, 0.5, 0.55, 0.6],
        valAcc: [0.3, 0.39, 0.48, 0.54, 0.58],
      }),
    );
    expect(findings.map((f) => f.check)).toEqual(['curves.underfitting']);
    expect(findings[0].evidence).toMatchObject({ trainAcc: 0.6, valAcc: 0.58, stillImproving: true });
    expect(findings[0].message).toContain('train longer');
  });

  it('reads the epoch early stopping kept, not the last one', () => {
    const run = curves({
      trainLoss: [2.0, 1.0, 0.4, 0.15, 0.06, 0.02],
      valLoss: [2.1, 1.1, 0.45, 0.2, 0.35, 0.6],
      trainAcc: [0.3, 0.7, 0.9, 0.96, 0.99, 1.0],
      valAcc: [0.3, 0.68, 0.88, 0.95, 0.9, 0.85],
      lr: [0.1, 0.08, 0.05, 0.03, 0.01, 0.005],
    });
    expect(readCurves(run).map((f) => f.check)).toEqual(['curves.overfitting']);
    const kept = readCurves(run, { keptEpoch: 3 });
    expect(kept.map((f) => f.check)).toEqual(['curves.healthy']);
    expect(kept[0].evidence).toMatchObject({ trainAcc: 0.96, valAcc: 0.95, keptEpoch: 3, epochs: 6 });
    expect(kept[0].message).toBe(
      'train accuracy 96.0%, validation 95.0% at epoch 3, expected a falling loss, a gap under 10.0% and ≥ 90.0%: ' +
        'the curves look healthy; read at epoch 3 of 5, whose weights early stopping kept',
    );
  });

  it('rounds the numbers it prints', () => {
    const findings = readCurves(
      curves({
        trainLoss: [1.8123456, 1.6, 1.45, 1.3, 1.2],
        trainAcc: [0.3, 0.4, 0.5, 0.55, 0.6123456],
        valAcc: [0.3, 0.39, 0.48, 0.54, 0.5812345],
        lr: [0.003, 0.003, 0.003, 0.003, 0.003],
      }),
    );
    const underfitting = findings.find((f) => f.check === 'curves.underfitting');
    expect(underfitting?.message).toContain(
      'train accuracy 61.2%, validation 58.1% at epoch 4, expected ≥ 90.0%',
    );
    expect(findings.map((f) => f.message).join(' ')).not.toMatch(/\d\.\d{4,}/);
  });

  it('asks for more epochs when given fewer than two', () => {
    expect(readCurves(curves({ trainLoss: [2.3] }))[0]).toMatchObject({ check: 'curves', status: 'warn' });
  });

  it('reports a real run at learning rate 10 as exploding', async () => {
    const train = await loadTinyNeuSet(1);
    const validation = await loadTinyNeuSet(1, 101);
    const history = await trainTinyClassifier(train, validation, {
      lr: 10,
      steps: 8,
      optimizer: 'sgd',
      normalise: true,
    });
    const epochs = history.map((h) => ({
      epoch: h.step,
      trainLoss: h.loss,
      valLoss: h.valLoss,
      trainAcc: h.accuracy,
      valAcc: h.valAccuracy,
      lr: 10,
    }));
    const findings = readCurves(epochs);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'curves.exploding', status: 'fail', evidence: { lr: 10 } });
  });
});
