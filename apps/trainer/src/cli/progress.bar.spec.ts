import { createProgressWriter, formatDuration, progressLine } from './progress.bar';
import { evaluationReport, textTable } from './report.tables';

const progress = {
  phase: 'training' as const,
  epoch: 3,
  epochs: 10,
  step: 6,
  stepsPerEpoch: 12,
  loss: 0.41234,
  accuracy: 0.8125,
  learningRate: 0.00123,
  etaSeconds: 125,
};

describe('progressLine', () => {
  it('shows epoch, a bar of the steps, loss, accuracy, lr and ETA', () => {
    expect(progressLine(progress, { bar: true })).toBe(
      'training  epoch 3/10  [############------------] 6/12  loss 0.4123  acc 0.8125  lr 1.23e-3  ETA 2m05s',
    );
    expect(progressLine(progress)).toContain('step 6/12');
    expect(progressLine({ phase: 'loading-data' })).toBe('loading-data');
  });

  it('formats durations', () => {
    expect(formatDuration(42)).toBe('42s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(undefined)).toBe('--');
  });
});

describe('createProgressWriter', () => {
  it('redraws one line in place on a terminal and clears it before a permanent line', () => {
    const written: string[] = [];
    const writer = createProgressWriter({ write: (t: string) => written.push(t), isTTY: true, columns: 200 });
    writer.progress(progress);
    writer.progress({ ...progress, step: 7 });
    writer.line('epoch 3/10: done');
    expect(written[0].startsWith('\r\x1b[2K')).toBe(true);
    expect(written[1]).toContain('7/12');
    expect(written.slice(2)).toEqual(['\r\x1b[2K', 'epoch 3/10: done\n']);
  });

  it('writes throttled plain lines elsewhere', () => {
    const written: string[] = [];
    let clock = 0;
    const writer = createProgressWriter(
      { write: (t: string) => written.push(t) },
      { plainIntervalMs: 1000, now: () => clock },
    );
    writer.progress(progress);
    clock = 500;
    writer.progress(progress);
    clock = 1500;
    writer.progress(progress);
    expect(written).toHaveLength(2);
    expect(written.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
  });
});

describe('report tables', () => {
  it('pads columns and right-aligns numbers', () => {
    expect(
      textTable(
        ['name', 'value'],
        [
          ['a', 1.5],
          ['longer', 10],
        ],
      ),
    ).toBe(['name     value', '------  ------', 'a       1.5000', 'longer      10'].join('\n'));
  });

  it('prints the evaluation with per-class rows, the confusion matrix and the operating point', () => {
    const text = evaluationReport(
      {
        testCount: 4,
        report: {
          accuracy: 0.75,
          logLoss: 0.5,
          confusion: [
            [2, 0],
            [1, 1],
          ],
          perClass: [
            { className: 'ok', precision: 0.6667, recall: 1, f1: 0.8, support: 2 },
            { className: 'defect', precision: 1, recall: 0.5, f1: 0.6667, support: 2 },
          ],
          macro: { precision: 0.8333, recall: 0.75, f1: 0.7333 },
          calibration: { bins: [], expectedCalibrationError: 0.1 },
        },
        defect: {
          rocAuc: 0.9,
          prAuc: 0.85,
          rocCurve: [],
          prCurve: [],
          operatingPoint: {
            threshold: {
              threshold: 0.3,
              targetRecall: 0.99,
              recall: 1,
              precision: 0.7,
              falsePositiveRate: 0.2,
            },
            band: {
              low: 0.2,
              high: 0.8,
              safeRecall: 0.999,
              safePrecision: 0.99,
              recallAtLow: 1,
              precisionAtHigh: 1,
              safePrecisionReached: true,
            },
            test: {
              counts: { ok: { ok: 2, defect: 0, uncertain: 0 }, defect: { ok: 0, defect: 1, uncertain: 1 } },
              escapeRate: 0,
              falseRejectRate: 0,
              reviewRate: 0.25,
            },
          },
        },
        views: ['identity', 'hflip'],
        singleView: { loss: 0.6, accuracy: 0.5, rocAuc: 0.8 },
      },
      ['ok', 'defect'],
    );
    expect(text).toMatch(/ROC AUC \(defect score\)\s+0\.9000/);
    expect(text).toMatch(/test-time views averaged\s+2\n/);
    expect(text).toMatch(/ROC AUC, image alone\s+0\.8000/);
    expect(text).toMatch(/defect\s+1\s+1/);
    expect(text).toContain('test review rate');
  });
});
