import { type Answer } from '../support/load-rows';

/** One answer of `POST /predict`, with the service's own timing of it. */
export interface PredictAnswer extends Answer {
  batchSize: number;
  decodeMs: number;
  forwardMs: number;
  queueMs: number;
  /** The engine the answer names (`onnxruntime-cpu`, `tfjs-wasm`...). */
  engine: string;
}

/** Query parameters of every request of a run, e.g. the `lineId` whose model scores the images. */
export type PredictQuery = Record<string, string>;

/**
 * `url` is the service's base URL; the image goes to `POST /predict`. An answer scored by another engine than
 * `expectedEngine` (a fallback) is not the row's result: it counts as an error (status 0).
 */
export async function predict(
  url: string,
  image: Buffer,
  query: PredictQuery,
  expectedEngine: string,
): Promise<PredictAnswer> {
  const search = new URLSearchParams(query).toString();
  const response = await fetch(`${url}/predict${search === '' ? '' : `?${search}`}`, {
    method: 'POST',
    headers: { 'Content-Type': 'image/jpeg' },
    body: image,
  });
  const body = (await response.json().catch(() => ({}))) as {
    engine?: string;
    batch?: { size?: number };
    timing?: { decodeMs?: number; preprocessMs?: number; forwardMs?: number; queueMs?: number };
  };
  const engine = body.engine ?? '';
  return {
    status: response.status === 200 && engine !== expectedEngine ? 0 : response.status,
    batchSize: body.batch?.size ?? 0,
    decodeMs: (body.timing?.decodeMs ?? 0) + (body.timing?.preprocessMs ?? 0),
    forwardMs: body.timing?.forwardMs ?? 0,
    queueMs: body.timing?.queueMs ?? 0,
    engine,
  };
}
