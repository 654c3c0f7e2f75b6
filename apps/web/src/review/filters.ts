import { useSearchParams } from 'react-router';
import { readParams, toParams } from '../components/FilterBar';

export const QUEUE_FILTER_KEYS = ['lineId', 'cameraId', 'verdict', 'from', 'to', 'modelVersionId'] as const;
export type QueueFilters = Partial<Record<(typeof QUEUE_FILTER_KEYS)[number], string>>;

/** The review queue's filters and mode, kept in the URL so a link shares them. */
export function useQueueParams() {
  const [params, setParams] = useSearchParams();
  const filters: QueueFilters = readParams(params, QUEUE_FILTER_KEYS);
  const mode = params.get('mode') === 'grid' ? 'grid' : 'single';
  const update = (next: QueueFilters, nextMode: 'grid' | 'single' = mode) =>
    setParams(toParams({ ...next, mode: nextMode === 'grid' ? 'grid' : undefined }), { replace: true });
  return { filters, mode, update } as const;
}

export interface ClaimFilter {
  lineId?: string;
  cameraId?: string;
  from?: string;
  to?: string;
  modelVersionId?: string;
  verdict?: 'uncertain' | 'defect';
}

/** The claim body for these filters (verdict only when it is one the queue holds). */
export function claimFilter(filters: QueueFilters): ClaimFilter {
  const { verdict, ...rest } = filters;
  return verdict === 'uncertain' || verdict === 'defect' ? { ...rest, verdict } : rest;
}
