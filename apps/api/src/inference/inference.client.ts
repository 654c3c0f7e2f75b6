import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig } from '@linescope/config';
import { type LatencyBreakdown, type Verdict } from '@linescope/db';
import { APP_CONFIG } from '@linescope/platform';

/** The inference service's answer to `POST /predict`. */
export interface PredictResponse {
  modelVersionId: string;
  verdict: Verdict;
  score: number;
  probabilities: Record<string, number>;
  engine: string;
  timing: LatencyBreakdown;
}

export class InferenceUnavailableError extends Error {
  /**
   * @param mayStillBeScoring an instance got the image and the wait for it was cut by the deadline: it may still
   * score it (and then records the verdict itself).
   */
  constructor(
    message: string,
    readonly mayStillBeScoring = false,
  ) {
    super(message);
    this.name = 'InferenceUnavailableError';
  }
}

/** The inference service answered that no model version serves the line: every instance would say the same. */
export class NoModelServingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoModelServingError';
  }
}

/** How long an instance that failed is tried last. */
const PENALTY_MS = 5_000;

/**
 * The API's one door to the inference service. Several instances may run behind it: instances that recently
 * failed are tried last, the others in turn. A call is bounded by the caller's deadline.
 */
@Injectable()
export class InferenceClient {
  private readonly failedAt = new Map<string, number>();
  private next = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** `inspectionId` lets the inference service record shadow evaluations against the stored inspection. */
  async predict(
    image: Buffer,
    contentType: string,
    target: { lineId: string; inspectionId: string },
    deadlineMs: number,
  ): Promise<PredictResponse> {
    const query = new URLSearchParams({
      lineId: target.lineId,
      inspectionId: target.inspectionId,
    }).toString();
    const deadline = Date.now() + deadlineMs;
    let lastError = 'no inference instance is configured';
    let cutShort = false;
    for (const base of this.candidates()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      try {
        const response = await fetch(`${base}/predict?${query}`, {
          method: 'POST',
          headers: {
            'Content-Type': contentType,
            ...(this.config.inferenceToken ? { Authorization: `Bearer ${this.config.inferenceToken}` } : {}),
          },
          body: image,
          signal: AbortSignal.timeout(remaining),
        });
        if (response.ok) {
          this.failedAt.delete(base);
          return (await response.json()) as PredictResponse;
        }
        const text = await response.text();
        if (response.status === 503 && errorCodeOf(text) === 'no_model') throw new NoModelServingError(text);
        lastError = `${base} answered ${response.status}: ${text.slice(0, 200)}`;
        // A 4xx is about this request, not the instance; another instance would answer the same.
        if (response.status < 500) break;
        this.failedAt.set(base, Date.now());
      } catch (error) {
        if (error instanceof NoModelServingError) throw error;
        lastError = `${base}: ${error instanceof Error ? error.message : String(error)}`;
        if ((error as Error).name === 'TimeoutError') cutShort = true;
        else this.failedAt.set(base, Date.now());
      }
    }
    throw new InferenceUnavailableError(lastError, cutShort);
  }

  /**
   * Asks an instance to render an inspection's heatmap unless it has one, within `deadlineMs` over all instances.
   * Resolves with the key, or with the instance's refusal (no such inspection, no heatmap for its verdict).
   */
  async renderHeatmap(
    inspectionId: string,
    deadlineMs: number,
  ): Promise<{ heatmapKey: string } | { refused: string }> {
    const deadline = Date.now() + deadlineMs;
    let lastError = 'no inference instance is configured';
    for (const base of this.candidates()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        lastError = `no answer within ${deadlineMs} ms (${lastError})`;
        break;
      }
      try {
        const response = await fetch(`${base}/heatmaps/${encodeURIComponent(inspectionId)}`, {
          method: 'POST',
          headers: this.config.inferenceToken
            ? { Authorization: `Bearer ${this.config.inferenceToken}` }
            : {},
          signal: AbortSignal.timeout(remaining),
        });
        const text = await response.text();
        if (response.ok) {
          this.failedAt.delete(base);
          return JSON.parse(text) as { heatmapKey: string };
        }
        if (response.status < 500) return { refused: messageOf(text) };
        lastError = `${base} answered ${response.status}: ${text.slice(0, 200)}`;
        this.failedAt.set(base, Date.now());
      } catch (error) {
        lastError = `${base}: ${error instanceof Error ? error.message : String(error)}`;
        if ((error as Error).name !== 'TimeoutError') this.failedAt.set(base, Date.now());
      }
    }
    throw new InferenceUnavailableError(lastError);
  }

  /** Healthy instances first, in round-robin order; recently failed ones after them. */
  private candidates(): string[] {
    const urls = this.config.inferenceUrls;
    const start = this.next++ % Math.max(urls.length, 1);
    const rotated = [...urls.slice(start), ...urls.slice(0, start)];
    const now = Date.now();
    const healthy = rotated.filter((url) => now - (this.failedAt.get(url) ?? 0) > PENALTY_MS);
    return [...healthy, ...rotated.filter((url) => !healthy.includes(url))];
  }
}

function errorCodeOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { error?: unknown }).error;
  } catch {
    return undefined;
  }
}

function messageOf(body: string): string {
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message;
    return typeof message === 'string' ? message : body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}
