/** Load generation on loopback, always bounded in count and time. */

export interface LoadResult {
  requests: number;
  errors: number;
  statusCounts: Record<number, number>;
  seconds: number;
  throughput: number;
  p50: number;
  p99: number;
}

export type Send = (n: number) => Promise<number>;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function result(latencies: number[], statuses: number[], seconds: number): LoadResult {
  const statusCounts: Record<number, number> = {};
  for (const s of statuses) statusCounts[s] = (statusCounts[s] ?? 0) + 1;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: statuses.length,
    errors: statuses.filter((s) => s === 0 || s >= 400).length,
    statusCounts,
    seconds,
    throughput: statuses.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
  };
}

/** `concurrency` senders, each sending the next request as soon as its previous one is answered. */
export async function closedLoop(
  send: Send,
  concurrency: number,
  maxRequests: number,
  maxSeconds: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: number[] = [];
  let issued = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const worker = async () => {
    while (issued < maxRequests && performance.now() < deadline) {
      const n = issued++;
      const t = performance.now();
      const status = await send(n).catch(() => 0);
      latencies.push(performance.now() - t);
      statuses.push(status);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return result(latencies, statuses, (performance.now() - started) / 1000);
}

/** Requests at a fixed rate whatever the answers (as a camera does), for `seconds`. */
export async function openLoop(send: Send, ratePerSecond: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: number[] = [];
  const total = Math.floor(ratePerSecond * seconds);
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const wait = started + (n * 1000) / ratePerSecond - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t = performance.now();
    inFlight.push(
      send(n)
        .catch(() => 0)
        .then((status) => {
          latencies.push(performance.now() - t);
          statuses.push(status);
        }),
    );
  }
  await Promise.all(inFlight);
  return result(latencies, statuses, (performance.now() - started) / 1000);
}
