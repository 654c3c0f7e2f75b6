/** One answered (or failed) request of a load run. */
export interface Sample {
  latencyMs: number;
  ok: boolean;
  batchSize: number;
  /** The service's own timing of the request (0 when it failed). */
  decodeMs: number;
  forwardMs: number;
  queueMs: number;
  /** The engine the answer names (`onnxruntime-cpu`, `tfjs-wasm`...), '' when it failed. */
  engine: string;
}

export interface LoadResult {
  samples: Sample[];
  elapsedMs: number;
  /** Requests a fixed-rate run could not send because too many were outstanding. */
  skipped: number;
}

/** Query parameters of every request of a run, e.g. the `lineId` whose model scores the images. */
export type PredictQuery = Record<string, string>;

/** `url` is the service's base URL; the image goes to `POST /predict`. */
async function send(
  url: string,
  image: Buffer,
  query: PredictQuery = {},
): Promise<Omit<Sample, 'latencyMs'>> {
  const search = new URLSearchParams(query).toString();
  try {
    const response = await fetch(`${url}/predict${search === '' ? '' : `?${search}`}`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/jpeg' },
      body: image,
    });
    const body = (await response.json()) as {
      engine?: string;
      batch?: { size?: number };
      timing?: { decodeMs?: number; preprocessMs?: number; forwardMs?: number; queueMs?: number };
    };
    return {
      ok: response.status === 200,
      batchSize: body.batch?.size ?? 0,
      decodeMs: (body.timing?.decodeMs ?? 0) + (body.timing?.preprocessMs ?? 0),
      forwardMs: body.timing?.forwardMs ?? 0,
      queueMs: body.timing?.queueMs ?? 0,
      engine: body.engine ?? '',
    };
  } catch {
    return { ok: false, batchSize: 0, decodeMs: 0, forwardMs: 0, queueMs: 0, engine: '' };
  }
}

/**
 * Closed loop: `concurrency` clients, each sending its next image as soon as the previous answer arrives, until
 * `maxRequests` answers or `maxMs`, whichever first. Throughput is answers over elapsed time.
 */
export async function closedLoop(
  url: string,
  images: readonly Buffer[],
  options: { concurrency: number; maxRequests: number; maxMs: number; query?: PredictQuery },
): Promise<LoadResult> {
  const samples: Sample[] = [];
  const started = performance.now();
  let issued = 0;
  const client = async (): Promise<void> => {
    while (issued < options.maxRequests && performance.now() - started < options.maxMs) {
      const image = images[issued++ % images.length];
      const sent = performance.now();
      const outcome = await send(url, image, options.query);
      samples.push({ ...outcome, latencyMs: performance.now() - sent });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return { samples, elapsedMs: performance.now() - started, skipped: 0 };
}

/**
 * Open loop at a fixed rate: request i is due at start + i / rate, whether or not earlier ones have been
 * answered, and its latency counts from when it was due (a late send is the service's delay too). At most
 * `maxOutstanding` requests are in flight; a due request beyond that is skipped and counted.
 */
export async function fixedRate(
  url: string,
  images: readonly Buffer[],
  options: { ratePerSecond: number; durationMs: number; maxOutstanding: number; query?: PredictQuery },
): Promise<LoadResult> {
  const samples: Sample[] = [];
  const intervalMs = 1000 / options.ratePerSecond;
  const total = Math.floor((options.durationMs / 1000) * options.ratePerSecond);
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let skipped = 0;
  for (let index = 0; index < total; index++) {
    const due = started + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight.size >= options.maxOutstanding) {
      skipped++;
      continue;
    }
    const request = send(url, images[index % images.length], options.query).then((outcome) => {
      samples.push({ ...outcome, latencyMs: performance.now() - due });
      inFlight.delete(request);
    });
    inFlight.add(request);
  }
  await Promise.all(inFlight);
  return { samples, elapsedMs: performance.now() - started, skipped };
}
