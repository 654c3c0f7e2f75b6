import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { type SimulatorOptions } from './simulator.options';
import { type Outcome, type SimulationSummary, summarise } from './simulator.report';

const IMAGE_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.bmp': 'image/bmp',
  '.gif': 'image/gif',
};

interface Shot {
  file: string;
  className: string;
  contentType: string;
}

/** Lists `<class>/<image>` files, shuffled with a seed so every class shows up early in a limited run. */
export async function listShots(folder: string, seed: number): Promise<Shot[]> {
  const shots: Shot[] = [];
  for (const entry of (await readdir(folder, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    for (const name of (await readdir(path.join(folder, entry.name))).sort()) {
      const contentType = IMAGE_TYPES[path.extname(name).toLowerCase()];
      if (contentType)
        shots.push({ file: path.join(folder, entry.name, name), className: entry.name, contentType });
    }
  }
  let state = seed >>> 0 || 1;
  for (let i = shots.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [shots[i], shots[j]] = [shots[j], shots[i]];
  }
  return shots;
}

/** Uploads in a row that got no HTTP answer at all (refused, reset) before the run stops: the API is gone. */
export const UNREACHABLE_AFTER = 3;

export interface SimulationResult {
  outcomes: Outcome[];
  summary: SimulationSummary;
  /** Set when the run stopped early because the API stopped answering. */
  stopped?: { reason: string; remaining: number };
}

/**
 * A camera on a line: posts each image of a dataset folder through the real API at a fixed rate, then waits for
 * the verdicts that were still pending, and compares them with the folder's labels. When the API stops answering,
 * it stops sending and returns what it has, with the reason.
 */
export async function simulateCamera(
  options: SimulatorOptions,
  onOutcome: (outcome: Outcome, done: number, total: number) => void = () => undefined,
): Promise<SimulationResult> {
  const shots = (await listShots(options.folder, options.seed)).slice(0, options.limit);
  if (shots.length === 0) throw new Error(`no images under ${options.folder}`);
  const started = performance.now();
  const outcomes: Outcome[] = [];
  const inFlight: Promise<void>[] = [];
  const pending = new Map<string, { outcome: Outcome; sentAt: number }>();
  const reach = new Reachability();
  let sent = 0;
  for (const [n, shot] of shots.entries()) {
    const due = started + (n * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (reach.gone) break;
    sent++;
    inFlight.push(
      upload(options, shot, n).then(({ outcome, id, sentAt }) => {
        outcomes.push(outcome);
        reach.record(outcome);
        if (outcome.status === 'pending' && id) pending.set(id, { outcome, sentAt });
        onOutcome(outcome, outcomes.length, shots.length);
      }),
    );
  }
  await Promise.all(inFlight);
  const sendSeconds = (performance.now() - started) / 1000;
  if (!reach.gone) await settle(options, pending, reach);
  const summary = summarise(outcomes, sendSeconds);
  return reach.gone
    ? { outcomes, summary, stopped: { reason: reach.reason, remaining: shots.length - sent } }
    : { outcomes, summary };
}

/** Counts uploads in a row that got no HTTP answer; any answer, even an error status, resets the count. */
class Reachability {
  private unanswered = 0;
  reason = '';

  get gone(): boolean {
    return this.unanswered >= UNREACHABLE_AFTER;
  }

  record(outcome: Outcome): void {
    if (outcome.httpStatus !== 0) {
      this.unanswered = 0;
      return;
    }
    this.unanswered++;
    this.reason = outcome.error ?? 'no answer';
  }

  lost(error: unknown): void {
    this.unanswered = UNREACHABLE_AFTER;
    this.reason = describeFetchError(error);
  }
}

/** `fetch failed` says nothing: the cause (ECONNREFUSED 127.0.0.1:3000, ECONNRESET...) says what happened. */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return error.message;
}

async function upload(options: SimulatorOptions, shot: Shot, n: number) {
  const bytes = await readFile(shot.file);
  const expected = options.okClasses.includes(shot.className) ? 'ok' : 'defect';
  const sentAt = performance.now();
  const base: Omit<Outcome, 'httpStatus' | 'verdict' | 'status' | 'latencyMs' | 'verdictMs'> = {
    file: shot.file,
    className: shot.className,
    expected,
  };
  try {
    const response = await fetch(
      `${options.api}/api/v1/inspections?serial=${encodeURIComponent(path.basename(shot.file))}`,
      {
        method: 'POST',
        headers: {
          'content-type': shot.contentType,
          'x-api-key': options.key,
          'idempotency-key': `sim-${options.seed}-${n}-${path.basename(shot.file)}`,
        },
        body: bytes,
      },
    );
    const latencyMs = performance.now() - sentAt;
    const body = (await response.json()) as {
      id?: string;
      verdict?: Outcome['verdict'];
      status?: string;
      message?: string;
    };
    const outcome: Outcome = {
      ...base,
      httpStatus: response.status,
      verdict: body.verdict ?? null,
      status: body.status ?? 'rejected',
      latencyMs,
      verdictMs: body.verdict ? latencyMs : null,
      ...(response.ok ? {} : { error: body.message }),
    };
    return { outcome, id: body.id, sentAt };
  } catch (error) {
    const outcome: Outcome = {
      ...base,
      httpStatus: 0,
      verdict: null,
      status: 'error',
      latencyMs: performance.now() - sentAt,
      verdictMs: null,
      error: describeFetchError(error),
    };
    return { outcome, id: undefined, sentAt };
  }
}

/** Polls pending inspections until they are final, the settle time is up, or the API stops answering. */
async function settle(
  options: SimulatorOptions,
  pending: Map<string, { outcome: Outcome; sentAt: number }>,
  reach: Reachability,
) {
  const deadline = Date.now() + options.settleSeconds * 1000;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const [id, entry] of [...pending]) {
      let response: Response;
      try {
        response = await fetch(`${options.api}/api/v1/inspections/${id}`, {
          headers: { 'x-api-key': options.key },
        });
      } catch (error) {
        reach.lost(error);
        return;
      }
      if (!response.ok) continue;
      const body = (await response.json()) as { status: string; verdict: Outcome['verdict'] };
      if (body.status === 'pending') continue;
      entry.outcome.status = body.status;
      entry.outcome.verdict = body.verdict;
      entry.outcome.verdictMs = body.verdict ? performance.now() - entry.sentAt : null;
      pending.delete(id);
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 250));
  }
}
