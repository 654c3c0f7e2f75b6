/**
 * Open-loop load on loopback, as cameras send: request i is due at start + i / rate whatever the answers to earlier
 * ones, and its latency counts from when it was due, so a late send (a busy client, a full in-flight bound) is
 * latency too and a stalled server cannot hide behind requests it kept from being sent (no coordinated omission).
 */

export interface Sample<T> {
  index: number;
  /** When the request was due, ms after the run started. */
  dueMs: number;
  /** How late it was sent: the client was busy, or the in-flight bound held it back. */
  sendLagMs: number;
  /** From when it was due to its answer (or failure). */
  latencyMs: number;
  /** What `send` resolved to; undefined when it threw (no answer at all). */
  value: T | undefined;
}

export interface OpenLoopOptions<T> {
  ratePerSecond: number;
  requests: number;
  /** At most this many requests in flight: a due request beyond it waits for a slot, and its wait is latency. */
  maxInFlight: number;
  /** Called as each request is sent, with the promise of its sample (e.g. to report per minute while running). */
  onRequest?: (index: number, answered: Promise<Sample<T>>) => void;
}

export interface OpenLoopRun<T> {
  samples: Sample<T>[];
  /** From the first due time to the last answer. */
  elapsedMs: number;
  ratePerSecond: number;
  maxInFlight: number;
  /** Requests that found `maxInFlight` requests outstanding when due and were sent late because of it. */
  heldBack: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function openLoop<T>(
  send: (index: number) => Promise<T>,
  options: OpenLoopOptions<T>,
): Promise<OpenLoopRun<T>> {
  if (!(options.ratePerSecond > 0) || !(options.maxInFlight >= 1))
    throw new Error('openLoop: the rate must be positive and at least one request may be in flight');
  const started = performance.now();
  const samples: Sample<T>[] = [];
  const inFlight = new Set<Promise<void>>();
  let heldBack = 0;
  for (let index = 0; index < options.requests; index++) {
    const dueMs = (index * 1000) / options.ratePerSecond;
    const wait = started + dueMs - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight.size >= options.maxInFlight) {
      heldBack++;
      while (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);
    }
    const sendLagMs = performance.now() - started - dueMs;
    const answered = send(index).then(
      (value) => value,
      () => undefined,
    );
    const sampled = answered.then((value): Sample<T> => {
      const sample = { index, dueMs, sendLagMs, latencyMs: performance.now() - started - dueMs, value };
      samples.push(sample);
      return sample;
    });
    const tracked: Promise<void> = sampled.then(() => {
      inFlight.delete(tracked);
    });
    inFlight.add(tracked);
    options.onRequest?.(index, sampled);
  }
  await Promise.all(inFlight);
  samples.sort((a, b) => a.index - b.index);
  return {
    samples,
    elapsedMs: performance.now() - started,
    ratePerSecond: options.ratePerSecond,
    maxInFlight: options.maxInFlight,
    heldBack,
  };
}

/** One configuration's rounds as one run: samples together, elapsed times and held-back counts added. */
export function mergeRuns<T>(runs: readonly OpenLoopRun<T>[]): OpenLoopRun<T> {
  if (runs.length === 0) throw new Error('mergeRuns: no runs');
  return {
    samples: runs.flatMap((run) => run.samples),
    elapsedMs: runs.reduce((sum, run) => sum + run.elapsedMs, 0),
    ratePerSecond: runs[0].ratePerSecond,
    maxInFlight: runs[0].maxInFlight,
    heldBack: runs.reduce((sum, run) => sum + run.heldBack, 0),
  };
}

/**
 * Runs every configuration in `rounds` short rounds, alternating (A B C A B C ...) rather than one after the other,
 * so the machine's other load falls on all of them alike and ratios between them mean something. Returns each
 * configuration's rounds in order.
 */
export async function interleaved<K, R>(
  configurations: readonly K[],
  rounds: number,
  run: (configuration: K, round: number) => Promise<R>,
): Promise<Map<K, R[]>> {
  const results = new Map<K, R[]>(configurations.map((configuration) => [configuration, []]));
  for (let round = 0; round < rounds; round++)
    for (const configuration of configurations)
      results.get(configuration)!.push(await run(configuration, round));
  return results;
}
