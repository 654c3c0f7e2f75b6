import { useId } from 'react';
import { useCameras, useLines } from '../app/queries';

export interface FilterValues {
  lineId?: string;
  cameraId?: string;
  verdict?: string;
  from?: string;
  to?: string;
}

/** ISO instant to the value of a datetime-local input, in the browser's time zone. */
function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

interface Props {
  values: FilterValues;
  verdicts: readonly string[];
  onChange: (values: FilterValues) => void;
}

/** Line, camera, verdict and time-range filters; the page keeps them in the URL. */
export function FilterBar({ values, verdicts, onChange }: Props) {
  const id = useId();
  const lines = useLines();
  const cameras = useCameras(values.lineId);
  const set = (patch: FilterValues) => onChange({ ...values, ...patch });
  return (
    <fieldset className="filters">
      <legend>Filters</legend>
      <span>
        <label htmlFor={`${id}-line`}>Line</label>
        <select
          id={`${id}-line`}
          value={values.lineId ?? ''}
          onChange={(e) => set({ lineId: e.target.value || undefined, cameraId: undefined })}
        >
          <option value="">All lines</option>
          {lines.data?.map((line) => (
            <option key={line.id} value={line.id}>
              {line.name}
            </option>
          ))}
        </select>
      </span>
      <span>
        <label htmlFor={`${id}-camera`}>Camera</label>
        <select
          id={`${id}-camera`}
          value={values.cameraId ?? ''}
          disabled={!values.lineId}
          onChange={(e) => set({ cameraId: e.target.value || undefined })}
        >
          <option value="">All cameras</option>
          {cameras.data?.map((camera) => (
            <option key={camera.id} value={camera.id}>
              {camera.name}
            </option>
          ))}
        </select>
      </span>
      <span>
        <label htmlFor={`${id}-verdict`}>Verdict</label>
        <select
          id={`${id}-verdict`}
          value={values.verdict ?? ''}
          onChange={(e) => set({ verdict: e.target.value || undefined })}
        >
          <option value="">Any</option>
          {verdicts.map((verdict) => (
            <option key={verdict} value={verdict}>
              {verdict}
            </option>
          ))}
        </select>
      </span>
      <span>
        <label htmlFor={`${id}-from`}>From</label>
        <input
          id={`${id}-from`}
          type="datetime-local"
          value={toLocalInput(values.from)}
          onChange={(e) => set({ from: fromLocalInput(e.target.value) })}
        />
      </span>
      <span>
        <label htmlFor={`${id}-to`}>To</label>
        <input
          id={`${id}-to`}
          type="datetime-local"
          value={toLocalInput(values.to)}
          onChange={(e) => set({ to: fromLocalInput(e.target.value) })}
        />
      </span>
    </fieldset>
  );
}

/** Reads the given keys from URL search params, dropping empty ones. */
export function readParams<K extends string>(params: URLSearchParams, keys: readonly K[]) {
  const values: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = params.get(key);
    if (value) values[key] = value;
  }
  return values;
}

export function toParams(values: Record<string, string | undefined>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  return params;
}
