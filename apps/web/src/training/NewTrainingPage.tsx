import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
// The same walker the trainer CLI uses on the same served schema (a dependency-free module of libs/training).
import {
  type ConfigOption,
  configOptions,
  type JsonSchema,
  parseOptionValue,
  rangeText,
  setPath,
} from '../../../../libs/training/src/config/config.options';
import { api, unwrap } from '../api/client';
import { formatDuration, type TrainingPresetDto } from './training-types';

type Values = Record<string, string>;
type DatasetChoice =
  { kind: 'folder'; name: string } | { kind: 'reviews' } | { kind: 'labelSet'; id: string; name: string };

/** Shown above the advanced options: what most runs change. */
const ESSENTIAL = ['model.arch', 'data.task', 'data.limitPerClass', 'epochs', 'batchSize', 'schedule.lr'];

/** Leaves of a preset's config as form values ("model.depth" -> "10"; arrays and tuples as JSON). */
function flatten(config: unknown, prefix = '', out: Values = {}): Values {
  if (typeof config === 'object' && config !== null && !Array.isArray(config)) {
    for (const [key, value] of Object.entries(config)) flatten(value, prefix ? `${prefix}.${key}` : key, out);
    return out;
  }
  out[prefix] = typeof config === 'string' ? config : JSON.stringify(config);
  return out;
}

function fieldId(option: ConfigOption): string {
  return `opt-${option.path.replace(/\./g, '-')}${option.when ? `-${String(option.when.value)}` : ''}`;
}

/** The option shown for a path given the values: a union's variant options only when their variant is picked. */
function visible(option: ConfigOption, values: Values, options: ConfigOption[]): boolean {
  if (!option.when) return true;
  const chosen = values[option.when.path] ?? defaultOf(options, option.when.path);
  return chosen === String(option.when.value);
}

function defaultOf(options: ConfigOption[], path: string): string | undefined {
  const option = options.find((o) => o.path === path && o.default !== undefined);
  return option ? String(option.default) : undefined;
}

/** The launch form, generated from the served JSON Schema of the training configuration. */
export function NewTrainingPage() {
  const navigate = useNavigate();
  const schema = useQuery({
    queryKey: ['training-config-schema'],
    queryFn: () => unwrap(api.GET('/api/v1/training/config-schema')) as Promise<JsonSchema>,
    staleTime: Infinity,
  });
  const datasets = useQuery({
    queryKey: ['training-datasets'],
    queryFn: () => unwrap(api.GET('/api/v1/training/datasets')),
  });
  const [dataset, setDataset] = useState<DatasetChoice | null>(null);
  const datasetName = dataset?.kind === 'folder' ? dataset.name : undefined;
  const presets = useQuery({
    queryKey: ['training-presets', datasetName ?? ''],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/training/presets', {
          params: { query: datasetName ? { dataset: datasetName } : {} },
        }),
      ),
  });
  const models = useQuery({
    queryKey: ['models', 'all'],
    queryFn: () => unwrap(api.GET('/api/v1/models')),
  });
  const [values, setValues] = useState<Values>({ 'model.arch': 'resnet' });
  const [presetId, setPresetId] = useState<string | null>(null);
  const [teacherId, setTeacherId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [advancedOpen, setAdvancedOpen] = useState(false);

  const options = useMemo(() => (schema.data ? configOptions(schema.data) : []), [schema.data]);
  const sections = useMemo(() => {
    const bySection = new Map<string, ConfigOption[]>();
    for (const option of options) {
      if (ESSENTIAL.includes(option.path)) continue;
      const top = option.path.includes('.') ? option.path.split('.')[0] : 'general';
      bySection.set(top, [...(bySection.get(top) ?? []), option]);
    }
    return [...bySection.entries()];
  }, [options]);
  const preset = presets.data?.find((p) => p.id === presetId);

  const applyPreset = (chosen: TrainingPresetDto) => {
    setPresetId(chosen.id);
    // The preset replaces the options, but not the task the dataset called for.
    setValues((current) => ({
      'model.arch': 'resnet',
      ...(current['data.task'] ? { 'data.task': current['data.task'] } : {}),
      ...flatten(chosen.config),
    }));
    setErrors({});
  };

  const launch = useMutation({
    mutationFn: async (body: {
      dataset: Record<string, unknown>;
      config: Record<string, unknown>;
      teacherId?: string;
    }) => {
      const { data, error, response } = await api.POST('/api/v1/training-jobs', { body: body as never });
      if (!response.ok) throw (error ?? { message: `${response.status} ${response.statusText}` }) as unknown;
      return data!;
    },
    onSuccess: (job) => void navigate(`/training/${job.id}`),
    onError: (error: unknown) => {
      const body = error as { message?: string; details?: { fields?: Record<string, string> } };
      const fields = body.details?.fields ?? {};
      const known = new Set(options.map((o) => o.path));
      const onFields = Object.fromEntries(Object.entries(fields).filter(([path]) => known.has(path)));
      setErrors(onFields);
      if (Object.keys(onFields).some((path) => !ESSENTIAL.includes(path))) setAdvancedOpen(true);
      const elsewhere = Object.entries(fields).filter(([path]) => !known.has(path));
      setFormError(
        elsewhere.length > 0 || Object.keys(onFields).length === 0
          ? ((elsewhere.map(([path, message]) => `${path}: ${message}`).join('; ') || body.message) ??
              'Failed')
          : 'Some options are not valid: see the fields marked below.',
      );
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    if (!dataset) {
      setFormError('Pick a dataset.');
      return;
    }
    const config: Record<string, unknown> = {};
    const clientErrors: Record<string, string> = {};
    for (const option of options) {
      const text = values[option.path];
      if (text === undefined || text === '' || !visible(option, values, options)) continue;
      try {
        setPath(config, option.path, parseOptionValue(option, text));
      } catch (error) {
        clientErrors[option.path] =
          error instanceof Error ? error.message.replace(/^--\S+ /, '') : String(error);
      }
    }
    setErrors(clientErrors);
    if (Object.keys(clientErrors).some((path) => !ESSENTIAL.includes(path))) setAdvancedOpen(true);
    if (Object.keys(clientErrors).length > 0) {
      setFormError('Some options are not valid: see the fields marked below.');
      return;
    }
    launch.mutate({
      dataset:
        dataset.kind === 'folder'
          ? { kind: 'folder', path: dataset.name }
          : dataset.kind === 'labelSet'
            ? { kind: 'labelSet', labelSetId: dataset.id }
            : { kind: 'reviews' },
      config,
      ...(teacherId ? { teacherId } : {}),
    });
  };

  const field = (option: ConfigOption) => {
    if (!visible(option, values, options)) return null;
    const id = fieldId(option);
    const value = values[option.path] ?? '';
    const error = errors[option.path];
    const set = (text: string) => setValues((current) => ({ ...current, [option.path]: text }));
    const defaultText = option.default === undefined ? 'none' : JSON.stringify(option.default);
    const hint = [option.description, `default ${defaultText}`, rangeText(option)]
      .filter(Boolean)
      .join(' · ');
    const described = `${id}-hint${error ? ` ${id}-error` : ''}`;
    let input;
    if (option.kind === 'enum' || option.kind === 'boolean') {
      const choices = option.kind === 'boolean' ? ['true', 'false'] : (option.enum ?? []).map(String);
      input = (
        <select
          id={id}
          value={value}
          onChange={(e) => set(e.target.value)}
          aria-describedby={described}
          aria-invalid={Boolean(error)}
        >
          <option value="">Default ({defaultText})</option>
          {choices.map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      );
    } else {
      const numeric = option.kind === 'number' || option.kind === 'integer';
      input = (
        <input
          id={id}
          type={numeric ? 'number' : 'text'}
          step={option.kind === 'integer' ? 1 : 'any'}
          inputMode={numeric ? 'decimal' : undefined}
          value={value}
          placeholder={option.default === undefined ? '' : defaultText}
          onChange={(e) => set(e.target.value)}
          aria-describedby={described}
          aria-invalid={Boolean(error)}
        />
      );
    }
    return (
      <div className={`field${error ? ' has-error' : ''}`} key={id} data-path={option.path}>
        <label htmlFor={id}>{option.path}</label>
        {input}
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
        {error && (
          <span id={`${id}-error`} className="error field-error" role="alert">
            {error}
          </span>
        )}
      </div>
    );
  };

  return (
    <section aria-labelledby="new-training-title" className="new-training">
      <h1 id="new-training-title">New training</h1>
      {(schema.isError || datasets.isError || presets.isError) && (
        <p role="alert" className="error">
          {(schema.error ?? datasets.error ?? presets.error)?.message}
        </p>
      )}

      <form onSubmit={submit} noValidate aria-describedby={formError ? 'form-error' : undefined}>
        <fieldset className="dataset-picker" data-testid="dataset-picker">
          <legend>Dataset</legend>
          {datasets.data?.folders.map((folder) => (
            <label key={`${folder.root}/${folder.name}`} className="choice">
              <input
                type="radio"
                name="dataset"
                value={folder.name}
                checked={dataset?.kind === 'folder' && dataset.name === folder.name}
                onChange={() => {
                  setDataset({ kind: 'folder', name: folder.name });
                  // ok-vs-defect needs an "ok" class: a folder of defect types alone trains multiclass.
                  if (!folder.classes.some((c) => c.name === 'ok'))
                    setValues((current) => ({ 'data.task': 'multiclass', ...current }));
                }}
              />{' '}
              <strong>{folder.name}</strong> — {folder.images} images:{' '}
              {folder.classes.map((c) => `${c.name} ${c.images}`).join(', ')}
            </label>
          ))}
          {datasets.data && (
            <label className="choice">
              <input
                type="radio"
                name="dataset"
                value="reviews"
                checked={dataset?.kind === 'reviews'}
                onChange={() => setDataset({ kind: 'reviews' })}
              />{' '}
              <strong>QA reviews</strong> (frozen into a label set when the job starts) —{' '}
              {datasets.data.reviews.images} images
              {datasets.data.reviews.classes.length > 0 &&
                `: ${datasets.data.reviews.classes.map((c) => `${c.name} ${c.images}`).join(', ')}`}
            </label>
          )}
          {datasets.data?.labelSets.map((set) => (
            <label key={set.id} className="choice">
              <input
                type="radio"
                name="dataset"
                value={set.id}
                checked={dataset?.kind === 'labelSet' && dataset.id === set.id}
                onChange={() => setDataset({ kind: 'labelSet', id: set.id, name: set.name })}
              />{' '}
              <strong>Label set {set.name}</strong> (frozen {new Date(set.frozenAt).toLocaleString()}; the
              same labels again) — {set.images} images:{' '}
              {set.classes.map((c) => `${c.name} ${c.images}`).join(', ')}
            </label>
          ))}
        </fieldset>

        <fieldset className="presets" data-testid="presets">
          <legend>Presets{datasetName ? ` (estimates for ${datasetName})` : ''}</legend>
          <div className="preset-cards">
            {presets.data?.map((p) => (
              <article
                key={p.id}
                className={`preset${presetId === p.id ? ' chosen' : ''}`}
                data-preset={p.id}
              >
                <h2>{p.title}</h2>
                <p>{p.description}</p>
                <p data-testid="preset-estimate">
                  {p.estimate
                    ? `About ${formatDuration(p.estimate.seconds)} on this host (${p.estimate.trainImages} training images × ${p.estimate.epochs} epochs at ~${p.estimate.imagesPerSecond} images/s; ${p.estimate.basis})`
                    : 'Pick a dataset folder for an estimate.'}
                </p>
                <details>
                  <summary>What it sets</summary>
                  <ul className="sets">
                    {Object.entries(flatten(p.config)).map(([path, value]) => (
                      <li key={path}>
                        <code>
                          {path} = {value}
                        </code>
                      </li>
                    ))}
                  </ul>
                </details>
                <button type="button" onClick={() => applyPreset(p)} aria-pressed={presetId === p.id}>
                  Use “{p.title}”
                </button>
              </article>
            ))}
          </div>
        </fieldset>

        {preset?.needsTeacher && (
          <div className="field">
            <label htmlFor="teacher">Teacher (a registered CNN)</label>
            <select id="teacher" value={teacherId} onChange={(e) => setTeacherId(e.target.value)}>
              <option value="">Pick a model version</option>
              {models.data
                ?.filter((m) => m.architecture !== 'vit')
                .map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name} v{m.version} ({m.architecture})
                  </option>
                ))}
            </select>
          </div>
        )}

        <fieldset className="essential" data-testid="essential-options">
          <legend>Main options</legend>
          {ESSENTIAL.flatMap((path) => options.filter((o) => o.path === path)).map(field)}
        </fieldset>

        <details
          className="advanced"
          open={advancedOpen}
          onToggle={(e) => setAdvancedOpen((e.target as HTMLDetailsElement).open)}
        >
          <summary>Advanced options (every option, with its default and range)</summary>
          {sections.map(([section, sectionOptions]) => (
            <fieldset key={section}>
              <legend>
                {section === 'general'
                  ? 'General'
                  : `${section}${schema.data?.properties?.[section]?.description ? ` — ${schema.data.properties[section].description}` : ''}`}
              </legend>
              {sectionOptions.map(field)}
            </fieldset>
          ))}
        </details>

        {formError && (
          <p id="form-error" role="alert" className="error">
            {formError}
          </p>
        )}
        <button type="submit" disabled={launch.isPending || !schema.data}>
          {launch.isPending ? 'Launching…' : 'Launch training'}
        </button>
      </form>
    </section>
  );
}
