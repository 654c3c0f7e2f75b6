import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';

/** Whether the event stream is up; while it is down, live queries poll instead. */
let streamUp = false;
const listeners = new Set<() => void>();
function setStreamUp(value: boolean): void {
  if (streamUp === value) return;
  streamUp = value;
  for (const listener of listeners) listener();
}
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const POLL_WHILE_DOWN_MS = 5_000;

/** `refetchInterval` for queries that follow live data: none while the stream is up, 5 s while it is down. */
export function usePollInterval(): number | false {
  const up = useSyncExternalStore(subscribe, () => streamUp);
  return up ? false : POLL_WHILE_DOWN_MS;
}

export function useStreamUp(): boolean {
  return useSyncExternalStore(subscribe, () => streamUp);
}

interface InspectionEvent {
  id: string;
  lineId: string;
  needsReview: boolean;
}
interface HeatmapEvent {
  inspectionId: string;
}
interface ReviewEvent {
  inspectionId: string;
}
interface ShadowEvent {
  modelVersionId: string;
}

/** A training job moved: status, progress (step, loss, accuracy, lr, images/s, percent, ETA) or a new finding. */
export interface TrainingEvent {
  jobId: string;
  status: string;
  epoch?: number;
  epochs?: number;
  progress?: Record<string, unknown>;
  findings?: number;
}

const trainingListeners = new Set<(event: TrainingEvent) => void>();

/** Follows training events as they arrive (the live training view draws its step curves from them). */
export function onTrainingEvent(listener: (event: TrainingEvent) => void): () => void {
  trainingListeners.add(listener);
  return () => trainingListeners.delete(listener);
}

/** Invalidates a key at most once per `ms`, so a busy line does not refetch a dashboard per image. */
function throttledInvalidator(client: QueryClient, ms: number) {
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  return (key: readonly unknown[]) => {
    const id = JSON.stringify(key);
    if (pending.has(id)) return;
    pending.set(
      id,
      setTimeout(() => {
        pending.delete(id);
        void client.invalidateQueries({ queryKey: key });
      }, ms),
    );
  };
}

function parse<T>(event: Event): T | null {
  try {
    return JSON.parse((event as MessageEvent<string>).data) as T;
  } catch {
    return null;
  }
}

/**
 * Follows `/api/v1/events` while signed in: each event invalidates the cached queries it changes (they refetch;
 * nothing is copied into a store). EventSource reconnects by itself with Last-Event-ID.
 */
export function useLiveEvents(enabled: boolean): void {
  const client = useQueryClient();
  useEffect(() => {
    if (!enabled) return;
    const source = new EventSource('/api/v1/events');
    const invalidate = throttledInvalidator(client, 500);
    source.onopen = () => setStreamUp(true);
    source.onerror = () => setStreamUp(source.readyState === EventSource.OPEN);
    source.addEventListener('inspection', (event) => {
      const data = parse<InspectionEvent>(event);
      if (!data) return;
      invalidate(['inspections']);
      invalidate(['dashboard']);
      invalidate(['queue-summary']);
      void client.invalidateQueries({ queryKey: ['inspection', data.id] });
    });
    source.addEventListener('heatmap', (event) => {
      const data = parse<HeatmapEvent>(event);
      if (data) void client.invalidateQueries({ queryKey: ['inspection', data.inspectionId] });
    });
    source.addEventListener('review', (event) => {
      const data = parse<ReviewEvent>(event);
      if (!data) return;
      invalidate(['inspections']);
      invalidate(['queue-summary']);
      invalidate(['dashboard']);
      void client.invalidateQueries({ queryKey: ['reviews', data.inspectionId] });
    });
    source.addEventListener('model', () => {
      invalidate(['dashboard']);
      invalidate(['models']);
    });
    // One per shadow result: the report (exact counts from the server) is refetched at most twice a second.
    source.addEventListener('shadow', (event) => {
      const data = parse<ShadowEvent>(event);
      if (data) invalidate(['shadow-report', data.modelVersionId]);
    });
    source.addEventListener('training', (event) => {
      const data = parse<TrainingEvent>(event);
      if (!data) return;
      for (const listener of trainingListeners) listener(data);
      invalidate(['training-jobs']);
      // Progress alone is carried by the event; a new epoch, finding or status needs the job read again.
      invalidate(['training-job', data.jobId]);
    });
    return () => {
      source.close();
      setStreamUp(false);
    };
  }, [client, enabled]);
}
