import { type Outcome, formatSummary, percentile, summarise } from './simulator.report';

const outcome = (
  expected: 'ok' | 'defect',
  verdict: Outcome['verdict'],
  latencyMs: number,
  httpStatus = 201,
): Outcome => ({
  file: 'f',
  className: expected === 'ok' ? 'ok' : 'crack',
  expected,
  httpStatus,
  verdict,
  status: verdict ? 'scored' : httpStatus < 300 ? 'pending' : 'rejected',
  latencyMs,
  verdictMs: verdict ? latencyMs : null,
});

describe('simulation summary', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('scores decided verdicts against the folder labels and counts escapes apart', () => {
    const summary = summarise(
      [
        outcome('ok', 'ok', 10),
        outcome('ok', 'defect', 20),
        outcome('defect', 'defect', 30),
        outcome('defect', 'ok', 40),
        outcome('defect', 'uncertain', 50),
        outcome('ok', null, 60, 202),
        outcome('ok', null, 5, 415),
        outcome('defect', null, 1, 0),
      ],
      2,
    );
    expect(summary).toMatchObject({
      sent: 8,
      accepted: 6,
      rejected: 1,
      unanswered: 1,
      scored: 5,
      pending: 1,
      verdicts: { ok: 2, defect: 2, uncertain: 1 },
      accuracy: 0.5,
      escapes: 1,
      falseRejects: 1,
      uncertainRate: 0.2,
      achievedRate: 4,
    });
    expect(summary.latency.p50).toBe(20);
    expect(formatSummary(summary)).toContain('| accepted / rejected / no answer | 6 / 1 / 1 |');
    expect(formatSummary(summary)).toContain('| accuracy (decided verdicts vs folder labels) | 50.0% |');
  });
});
