import type { components } from '../api/schema';

type Schemas = components['schemas'];
export type TrainingJobDto = Schemas['TrainingJobDto'];
export type TrainingJobDetailDto = Schemas['TrainingJobDetailDto'];
export type TrainingProgressDto = Schemas['TrainingProgressDto'];
export type FindingCardDto = Schemas['FindingCardDto'];
export type TrainingPresetDto = Schemas['TrainingPresetDto'];
export type TrainingDatasetsDto = Schemas['TrainingDatasetsDto'];

/** What a job row's `config` holds: the dataset picked and the training configuration given. */
export interface JobRequest {
  dataset?: { kind: 'folder' | 'reviews'; path?: string };
  /** An import job: a model folder trained with the CLI. */
  import?: { path: string };
  training?: { model?: { arch?: string; depth?: number }; epochs?: number };
}

export function requestOf(job: { config: unknown }): JobRequest {
  return job.config ?? {};
}

export function datasetLabel(job: { config: unknown }): string {
  const { dataset, import: imported } = requestOf(job);
  if (imported) return `import of ${imported.path.split('/').slice(-1)[0]}`;
  if (!dataset) return '—';
  if (dataset.kind === 'reviews') return 'QA reviews';
  return dataset.path?.split('/').slice(-1)[0] ?? 'folder';
}

export function modelLabel(job: { config: unknown }): string {
  if (requestOf(job).import) return 'CLI-trained model';
  const model = requestOf(job).training?.model;
  if (!model?.arch) return '—';
  return model.arch === 'resnet'
    ? `ResNet-${model.depth ?? 18}`
    : model.arch === 'vit'
      ? 'ViT'
      : 'MobileNetV2';
}

/** "1 h 02 min", "3 min 05 s", "42 s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Three significant digits: 0.000123 -> 1.23e-4, 0.41234 -> 0.412. */
export function round3(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value !== 0 && Math.abs(value) < 0.001) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}

export const ACTIVE_STATUSES = new Set(['queued', 'running']);
