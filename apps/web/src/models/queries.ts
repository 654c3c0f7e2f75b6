import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';

type Schemas = components['schemas'];
export type ModelVersionDto = Schemas['ModelVersionDto'];
export type ModelEvaluationDto = Schemas['ModelEvaluationDto'];
export type EvaluationDetailDto = Schemas['EvaluationDetailDto'];
export type ModelCurvesDto = Schemas['ModelCurvesDto'];
export type ModelConfigDto = Schemas['ModelConfigDto'];
export type ShadowReportDto = Schemas['ShadowReportDto'];

const path = (id: string) => ({ params: { path: { id } } });

export function useModels() {
  return useQuery({ queryKey: ['models'], queryFn: () => unwrap(api.GET('/api/v1/models')) });
}

export function useModel(id: string) {
  return useQuery({
    queryKey: ['models', id],
    enabled: Boolean(id),
    queryFn: () => unwrap(api.GET('/api/v1/models/{id}', path(id))),
  });
}

/** Artefacts do not change once a version is registered: cached for the session. */
export function useEvaluation(id: string) {
  return useQuery({
    queryKey: ['model-evaluation', id],
    enabled: Boolean(id),
    staleTime: Infinity,
    queryFn: () => unwrap(api.GET('/api/v1/models/{id}/evaluation', path(id))),
  });
}

export function useCurves(id: string) {
  return useQuery({
    queryKey: ['model-curves', id],
    enabled: Boolean(id),
    staleTime: Infinity,
    queryFn: () => unwrap(api.GET('/api/v1/models/{id}/curves', path(id))),
  });
}

export function useModelConfig(id: string) {
  return useQuery({
    queryKey: ['model-config', id],
    enabled: Boolean(id),
    staleTime: Infinity,
    queryFn: () => unwrap(api.GET('/api/v1/models/{id}/config', path(id))),
  });
}

/** Refetched when a `shadow` event for this version arrives (see live-events.ts), or every 5 s without the stream. */
export function useShadowReport(id: string, poll: number | false) {
  return useQuery({
    queryKey: ['shadow-report', id],
    enabled: Boolean(id),
    queryFn: () => unwrap(api.GET('/api/v1/models/{id}/shadow-report', path(id))),
    refetchInterval: poll,
  });
}

/** After a change of production or shadow: every model list, dashboard and line reads again. */
function useInvalidateModels() {
  const client = useQueryClient();
  return () =>
    Promise.all([
      client.invalidateQueries({ queryKey: ['models'] }),
      client.invalidateQueries({ queryKey: ['dashboard'] }),
      client.invalidateQueries({ queryKey: ['lines'] }),
    ]);
}

export function usePromote(id: string) {
  const invalidate = useInvalidateModels();
  return useMutation({
    mutationFn: (reason: string) =>
      unwrap(api.POST('/api/v1/models/{id}/promote', { ...path(id), body: { reason } })),
    onSuccess: invalidate,
  });
}

export function useRollback() {
  const invalidate = useInvalidateModels();
  return useMutation({
    mutationFn: (reason: string) => unwrap(api.POST('/api/v1/models/rollback', { body: { reason } })),
    onSuccess: invalidate,
  });
}

export function useShadow(id: string) {
  const invalidate = useInvalidateModels();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (enabled: boolean) =>
      unwrap(api.POST('/api/v1/models/{id}/shadow', { ...path(id), body: { enabled } })),
    onSuccess: async () => {
      await invalidate();
      await client.invalidateQueries({ queryKey: ['shadow-report', id] });
    },
  });
}

export function useLineOverride() {
  const invalidate = useInvalidateModels();
  return useMutation({
    mutationFn: (body: { lineId: string; modelVersionId: string | null }) =>
      unwrap(api.POST('/api/v1/models/line-override', { body })),
    onSuccess: invalidate,
  });
}

/** Queues the import of a model folder trained with the CLI; the answer is the import job. */
export function useImportModel() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { path: string; name: string }) => unwrap(api.POST('/api/v1/models/import', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: ['training-jobs'] }),
  });
}

export function modelLabel(model: Pick<ModelVersionDto, 'name' | 'version'>): string {
  return `${model.name} v${model.version}`;
}

export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(digits)} %`;
}

export function decimal(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits);
}

/** A figure from the version's flat metrics (written by the trainer), or null. */
export function metricOf(model: ModelVersionDto, key: string): number | null {
  const value = (model.metrics as Record<string, unknown>)[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
