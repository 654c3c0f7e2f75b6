import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';

/** Lines change rarely: cached for a minute, shared by every page's filters. */
export function useLines() {
  return useQuery({
    queryKey: ['lines'],
    queryFn: () => unwrap(api.GET('/api/v1/lines')),
    staleTime: 60_000,
  });
}

export function useCameras(lineId: string | undefined) {
  return useQuery({
    queryKey: ['cameras', lineId],
    enabled: Boolean(lineId),
    queryFn: () => unwrap(api.GET('/api/v1/lines/{id}/cameras', { params: { path: { id: lineId! } } })),
    staleTime: 60_000,
  });
}
