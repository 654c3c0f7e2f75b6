export type Outcome = {
  file: string;
  className: string;
  expected: 'ok' | 'defect';
  httpStatus: number;
  verdict: 'ok' | 'defect' | 'uncertain' | null;
  status: string;
  /** Time to the HTTP answer of the upload. */
  latencyMs: number;
  /** Time to the final verdict (the answer itself, or the poll that found it). */
  verdictMs: number | null;
  error?: string;
};

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export interface SimulationSummary {
  sent: number;
  accepted: number;
  /** Answered with an error status. */
  rejected: number;
  /** No HTTP answer at all (connection refused or reset). */
  unanswered: number;
  scored: number;
  pending: number;
  failed: number;
  verdicts: Record<'ok' | 'defect' | 'uncertain', number>;
  /** Among decided verdicts (ok or defect) against the folder labels. */
  accuracy: number | null;
  /** Defective parts answered OK: the costly mistake. */
  escapes: number;
  falseRejects: number;
  uncertainRate: number | null;
  latency: { p50: number; p90: number; p99: number; max: number };
  verdictLatency: { p50: number; p90: number; p99: number } | null;
  achievedRate: number;
}

export function summarise(outcomes: readonly Outcome[], wallSeconds: number): SimulationSummary {
  const accepted = outcomes.filter((o) => o.httpStatus >= 200 && o.httpStatus < 300);
  const scored = accepted.filter((o) => o.verdict !== null);
  const decided = scored.filter((o) => o.verdict !== 'uncertain');
  const correct = decided.filter((o) => o.verdict === o.expected).length;
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const verdictLatencies = scored
    .flatMap((o) => (o.verdictMs === null ? [] : [o.verdictMs]))
    .sort((a, b) => a - b);
  const count = (verdict: 'ok' | 'defect' | 'uncertain') =>
    scored.filter((o) => o.verdict === verdict).length;
  return {
    sent: outcomes.length,
    accepted: accepted.length,
    rejected: outcomes.filter((o) => o.httpStatus !== 0).length - accepted.length,
    unanswered: outcomes.filter((o) => o.httpStatus === 0).length,
    scored: scored.length,
    pending: accepted.filter((o) => o.status === 'pending').length,
    failed: accepted.filter((o) => o.status === 'failed').length,
    verdicts: { ok: count('ok'), defect: count('defect'), uncertain: count('uncertain') },
    accuracy: decided.length ? correct / decided.length : null,
    escapes: decided.filter((o) => o.expected === 'defect' && o.verdict === 'ok').length,
    falseRejects: decided.filter((o) => o.expected === 'ok' && o.verdict === 'defect').length,
    uncertainRate: scored.length ? count('uncertain') / scored.length : null,
    latency: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? Number.NaN,
    },
    verdictLatency: verdictLatencies.length
      ? {
          p50: percentile(verdictLatencies, 50),
          p90: percentile(verdictLatencies, 90),
          p99: percentile(verdictLatencies, 99),
        }
      : null,
    achievedRate: outcomes.length / wallSeconds,
  };
}

export function formatSummary(summary: SimulationSummary): string {
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);
  const ms = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');
  const lines = [
    '| measure | value |',
    '|---|---|',
    `| images sent | ${summary.sent} (${summary.achievedRate.toFixed(1)}/s) |`,
    `| accepted / rejected / no answer | ${summary.accepted} / ${summary.rejected} / ${summary.unanswered} |`,
    `| scored / still pending / failed | ${summary.scored} / ${summary.pending} / ${summary.failed} |`,
    `| verdicts ok / defect / uncertain | ${summary.verdicts.ok} / ${summary.verdicts.defect} / ${summary.verdicts.uncertain} |`,
    `| accuracy (decided verdicts vs folder labels) | ${pct(summary.accuracy)} |`,
    `| escapes (defect answered ok) / false rejects | ${summary.escapes} / ${summary.falseRejects} |`,
    `| sent to a person (uncertain) | ${pct(summary.uncertainRate)} |`,
    `| upload latency p50 / p90 / p99 / max | ${ms(summary.latency.p50)} / ${ms(summary.latency.p90)} / ${ms(summary.latency.p99)} / ${ms(summary.latency.max)} |`,
  ];
  if (summary.verdictLatency)
    lines.push(
      `| time to verdict p50 / p90 / p99 | ${ms(summary.verdictLatency.p50)} / ${ms(summary.verdictLatency.p90)} / ${ms(summary.verdictLatency.p99)} |`,
    );
  return lines.join('\n');
}
