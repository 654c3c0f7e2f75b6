import { memorySnapshot, type Processes } from './process-stats';
import { type Answer, type LoadSummary, measuredOpenLoop, outcomeOf, summarise } from './load-rows';
import { markdownTable } from './table';

/** The margin past the line's deadline within which a camera must still have its answer. */
export const ANSWER_MARGIN_MS = 50;

export type Probe = (ratePerSecond: number, requests: number) => Promise<LoadSummary>;

/** A probe passes when its p99 is within the deadline and at least 99% of its requests succeeded. */
export function withinCapacity(summary: LoadSummary, deadlineMs: number): boolean {
  return summary.p99 <= deadlineMs && summary.ok >= 0.99 * summary.requests;
}

/**
 * The highest open-loop rate whose p99 stays within `deadlineMs` (with 99% successes), by short probes: doubling
 * from `startRate` until one fails, then halving the gap three times. Each probe lasts about `probeSeconds`, at
 * least 50 requests, with a pause between probes for the backlog of a failed one to drain.
 */
export async function findCapacity(
  probe: Probe,
  options: { startRate: number; deadlineMs: number; probeSeconds: number; log: (line: string) => void },
): Promise<number> {
  let passed = 0;
  let failed = Number.POSITIVE_INFINITY;
  const tryRate = async (rate: number) => {
    const summary = await probe(rate, Math.max(50, Math.round(rate * options.probeSeconds)));
    const ok = withinCapacity(summary, options.deadlineMs);
    options.log(
      `capacity probe ${rate.toFixed(1)}/s: p99 ${summary.p99.toFixed(0)} ms, ${summary.ok}/${summary.requests} ok ` +
        `-> ${ok ? 'within' : 'beyond'} capacity`,
    );
    if (ok) passed = Math.max(passed, rate);
    else failed = Math.min(failed, rate);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  };
  for (
    let rate = options.startRate, step = 0;
    step < 8 && failed === Number.POSITIVE_INFINITY;
    step++, rate *= 2
  )
    await tryRate(rate);
  if (failed === Number.POSITIVE_INFINITY) return passed;
  for (let step = 0; step < 3; step++) await tryRate((passed + failed) / 2);
  if (passed === 0)
    throw new Error(`no rate down to ${failed.toFixed(1)}/s kept p99 within the deadline: give --capacity`);
  return passed;
}

export interface OverloadReport {
  summary: LoadSummary;
  seconds: number;
  deadlineMs: number;
  /** Share of all requests answered (any status) within the deadline plus the margin, from their due time. */
  answeredInTimePct: number;
  memoryStartMb: Record<string, number>;
  memoryEndMb: Record<string, number>;
}

/** `ratePerSecond` (2x the capacity) for `seconds`, with the resident memory of every process before and after. */
export async function overloadRun<T extends Answer>(
  send: (index: number) => Promise<T>,
  options: { ratePerSecond: number; seconds: number; deadlineMs: number; maxInFlight: number },
  processes: Processes,
): Promise<OverloadReport> {
  const memoryStartMb = memorySnapshot(processes);
  const measured = await measuredOpenLoop(
    send,
    {
      ratePerSecond: options.ratePerSecond,
      requests: Math.round(options.ratePerSecond * options.seconds),
      maxInFlight: options.maxInFlight,
    },
    processes,
  );
  const inTime = measured.run.samples.filter(
    (sample) =>
      outcomeOf(sample.value) !== 'error' && sample.latencyMs <= options.deadlineMs + ANSWER_MARGIN_MS,
  ).length;
  return {
    summary: summarise(measured),
    seconds: options.seconds,
    deadlineMs: options.deadlineMs,
    answeredInTimePct: (100 * inTime) / Math.max(1, measured.run.samples.length),
    memoryStartMb,
    memoryEndMb: memorySnapshot(processes),
  };
}

export function overloadTable(label: string, capacity: number, report: OverloadReport): string {
  const { summary } = report;
  const pct = (n: number) => (100 * n) / Math.max(1, summary.requests);
  const names = Object.keys(report.memoryStartMb);
  return markdownTable(
    [
      'overload',
      'capacity/s',
      'offered/s',
      'requests',
      `answered within ${report.deadlineMs}+${ANSWER_MARGIN_MS} ms %`,
      'ok %',
      'pending %',
      '503 %',
      'errors %',
      'p99 ms',
      'held back',
      ...names.map((name) => `${name} RSS MB start -> end`),
      ...names.map((name) => `${name} cpu ms/req`),
    ],
    [
      [
        `${label}, ${report.seconds} s`,
        capacity,
        summary.ratePerSecond,
        summary.requests,
        report.answeredInTimePct,
        pct(summary.ok),
        pct(summary.pending),
        pct(summary.unavailable),
        pct(summary.errors),
        summary.p99,
        summary.heldBack,
        ...names.map(
          (name) => `${report.memoryStartMb[name].toFixed(0)} -> ${report.memoryEndMb[name].toFixed(0)}`,
        ),
        ...names.map((name) => summary.cpuMsPerRequest[name]),
      ],
    ],
  );
}
