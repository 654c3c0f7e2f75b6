import { cpuSnapshot, type Processes } from './process-stats';
import { mergeRuns, openLoop, type OpenLoopOptions, type OpenLoopRun } from './load';
import { percentile } from './stats';

/** An HTTP answer as a load row counts it. */
export interface Answer {
  status: number;
  /** A 2xx without the result the row waits for (a `pending` upload on a sync line): a miss, never a success. */
  missing?: boolean;
}

export type Outcome = 'ok' | 'pending' | 'unavailable' | 'error';

/** `undefined` is no answer at all (refused, reset): an error. */
export function outcomeOf(answer: Answer | undefined): Outcome {
  if (answer === undefined) return 'error';
  if (answer.status === 503) return 'unavailable';
  if (answer.status >= 200 && answer.status < 300) return answer.missing ? 'pending' : 'ok';
  return 'error';
}

/** A run with the CPU time each measured process used during it. */
export interface MeasuredRun<T> {
  run: OpenLoopRun<T>;
  cpuMs: Record<string, number>;
}

export async function measuredOpenLoop<T>(
  send: (index: number) => Promise<T>,
  options: OpenLoopOptions<T>,
  processes: Processes,
): Promise<MeasuredRun<T>> {
  const before = cpuSnapshot(processes);
  const run = await openLoop(send, options);
  const after = cpuSnapshot(processes);
  return {
    run,
    cpuMs: Object.fromEntries(Object.keys(processes).map((name) => [name, after[name] - before[name]])),
  };
}

/** One configuration's interleaved rounds as one row. */
export function mergeMeasured<T>(runs: readonly MeasuredRun<T>[]): MeasuredRun<T> {
  const cpuMs: Record<string, number> = {};
  for (const { cpuMs: part } of runs)
    for (const [name, ms] of Object.entries(part)) cpuMs[name] = (cpuMs[name] ?? 0) + ms;
  return { run: mergeRuns(runs.map((measured) => measured.run)), cpuMs };
}

export interface LoadSummary {
  requests: number;
  ok: number;
  pending: number;
  unavailable: number;
  errors: number;
  /** Successful answers per second of the run. */
  okPerSecond: number;
  /** Latency from each request's due time, over every request whatever its answer. */
  p50: number;
  p99: number;
  sendLagP99: number;
  ratePerSecond: number;
  maxInFlight: number;
  heldBack: number;
  /** Per process, CPU time during the run per request answered (any status). */
  cpuMsPerRequest: Record<string, number>;
}

export function summarise<T extends Answer>(measured: MeasuredRun<T>): LoadSummary {
  const { run, cpuMs } = measured;
  const count = (outcome: Outcome) =>
    run.samples.filter((sample) => outcomeOf(sample.value) === outcome).length;
  const latencies = run.samples.map((sample) => sample.latencyMs);
  const answered = run.samples.filter((sample) => sample.value !== undefined).length;
  const ok = count('ok');
  return {
    requests: run.samples.length,
    ok,
    pending: count('pending'),
    unavailable: count('unavailable'),
    errors: count('error'),
    okPerSecond: (ok * 1000) / run.elapsedMs,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    sendLagP99: percentile(
      run.samples.map((sample) => sample.sendLagMs),
      0.99,
    ),
    ratePerSecond: run.ratePerSecond,
    maxInFlight: run.maxInFlight,
    heldBack: run.heldBack,
    cpuMsPerRequest: Object.fromEntries(
      Object.entries(cpuMs).map(([name, ms]) => [name, answered === 0 ? Number.NaN : ms / answered]),
    ),
  };
}

/** The columns every load row prints, then one CPU column per measured process. */
export function loadHeaders(processNames: readonly string[]): string[] {
  return [
    'in flight <=',
    'offered/s',
    'requests',
    'ok/s',
    'p50 ms',
    'p99 ms',
    'ok',
    'pending (miss)',
    '503',
    'errors',
    'held back',
    'send lag p99 ms',
    ...processNames.map((name) => `${name} cpu ms/req`),
  ];
}

export function loadCells(summary: LoadSummary, processNames: readonly string[]): (string | number)[] {
  return [
    summary.maxInFlight,
    summary.ratePerSecond,
    summary.requests,
    summary.okPerSecond,
    summary.p50,
    summary.p99,
    summary.ok,
    summary.pending,
    summary.unavailable,
    summary.errors,
    summary.heldBack,
    summary.sendLagP99,
    ...processNames.map((name) => summary.cpuMsPerRequest[name] ?? Number.NaN),
  ];
}

/** The notes every table of load rows prints under it. */
export function loadNotes(minimumRequests: number): string {
  return [
    "Open loop: requests due at the offered rate whatever the answers; p50/p99 from each request's due time, over",
    'every request whatever its answer (a late send is latency). "in flight <=" bounds outstanding requests on the',
    'client; "held back" counts requests sent late because the bound was full (a row whose bound held is at the',
    "path's capacity for that many in flight). ok/s counts only successes: pending (202, no verdict) is a miss, 503",
    'and errors have their own columns. cpu ms/req: /proc utime+stime of each process during the row, per answer.',
    `Rows with fewer than ${minimumRequests} requests have no trustworthy p99.`,
  ].join('\n');
}
