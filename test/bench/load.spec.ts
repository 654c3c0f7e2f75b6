import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { interleaved, openLoop } from '../../bench/support/load';
import { type Answer, measuredOpenLoop, summarise } from '../../bench/support/load-rows';
import { percentile, timesOf } from '../../bench/support/stats';
import { formatCell } from '../../bench/support/table';

/** A server answering 201 at once, except that from its `stallAt`-th request on it answers nothing for `stallMs`. */
async function stallingServer(stallAt: number, stallMs: number): Promise<{ url: string; server: Server }> {
  let seen = 0;
  let stallUntil = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (++seen === stallAt) stallUntil = performance.now() + stallMs;
      const answer = () => response.writeHead(201).end('{}');
      const wait = stallUntil - performance.now();
      if (wait > 0) setTimeout(answer, wait);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const post = (url: string) => async (): Promise<Answer> => {
  const response = await fetch(url, { method: 'POST', body: 'x' });
  await response.arrayBuffer();
  return { status: response.status };
};

describe('the open-loop load generator', () => {
  it.each([1, 100])(
    'shows a 500 ms stall in the latency of every request due during it (at most %i in flight)',
    async (maxInFlight) => {
      const { url, server } = await stallingServer(11, 500);
      try {
        // 50/s: request i is due at 20 i ms; the 11th (due at 200 ms) stalls the server until >= 700 ms.
        const run = await openLoop(post(url), { ratePerSecond: 50, requests: 60, maxInFlight });
        expect(run.samples).toHaveLength(60);
        const during = run.samples.filter((sample) => sample.dueMs >= 200 && sample.dueMs < 650);
        expect(during.length).toBeGreaterThanOrEqual(20);
        // Nothing due in the stall was answered before it ended, and each one's latency counts from when it was
        // due: measured from the send (coordinated omission), the requests held back would show about 1 ms.
        for (const sample of during) expect(sample.latencyMs).toBeGreaterThanOrEqual(700 - sample.dueMs - 1);
        expect(run.samples.filter((sample) => sample.latencyMs >= 250).length).toBeGreaterThanOrEqual(10);
        expect(
          percentile(
            run.samples.map((sample) => sample.latencyMs),
            0.9,
          ),
        ).toBeGreaterThanOrEqual(250);
        // With one request in flight the bound held the others back, and the run says so.
        if (maxInFlight === 1) expect(run.heldBack).toBeGreaterThanOrEqual(20);
      } finally {
        server.close();
      }
    },
    30_000,
  );

  it('counts pending answers as misses, 503 and failures in their own columns, never as success', async () => {
    const server = createServer((request, response) => {
      request.resume();
      const status = Number(new URL(request.url!, 'http://x').searchParams.get('status'));
      response.writeHead(status).end(JSON.stringify({ verdict: status === 201 ? 'ok' : null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // In order: a verdict, two pending, a 503, a 400, then no answer at all (nobody listens on port 1).
    const plan = [201, 202, 202, 503, 400, 0];
    try {
      const measured = await measuredOpenLoop(
        async (n): Promise<Answer> => {
          const response = await fetch(plan[n] === 0 ? 'http://127.0.0.1:1/' : `${base}/?status=${plan[n]}`);
          const body = (await response.json()) as { verdict: string | null };
          return { status: response.status, missing: !body.verdict };
        },
        { ratePerSecond: 100, requests: plan.length, maxInFlight: 8 },
        { bench: process.pid },
      );
      const summary = summarise(measured);
      expect(summary).toMatchObject({ requests: 6, ok: 1, pending: 2, unavailable: 1, errors: 2 });
      expect(summary.okPerSecond).toBeLessThan((2 * 1000) / measured.run.elapsedMs);
      expect(summary.cpuMsPerRequest.bench).toBeGreaterThanOrEqual(0);
    } finally {
      server.close();
    }
  });

  it('alternates the compared configurations round by round', async () => {
    const order: string[] = [];
    const results = await interleaved(['a', 'b'], 3, async (name, round) => {
      order.push(`${name}${round}`);
      return round;
    });
    expect(order).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
    expect(results.get('b')).toEqual([0, 1, 2]);
  });
});

describe('bench statistics and printing', () => {
  it('takes nearest-rank percentiles of unsorted data', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile(values, 1)).toBe(100);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('prints ratios as plain multiples with their direction, and integers as integers', () => {
    expect(timesOf(1.18, 1, 'tfjs-wasm')).toBe('1.18x of tfjs-wasm (more)');
    expect(timesOf(17, 20, 'tfjs-wasm')).toBe('0.85x of tfjs-wasm (less)');
    expect(formatCell(8)).toBe('8');
    expect(formatCell(8.25)).toBe('8.25');
    expect(formatCell(Number.NaN)).toBe('n/a');
  });
});
