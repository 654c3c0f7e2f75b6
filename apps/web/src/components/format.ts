const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

export function formatTime(iso: string | null | undefined): string {
  return iso ? timeFormat.format(new Date(iso)) : '—';
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)}%`;
}

export function formatMs(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${Math.round(value)} ms`;
}

/** The total verdict latency from an inspection's `latency` breakdown, when it has one. */
export function totalLatencyMs(latency: unknown): number | null {
  if (!latency || typeof latency !== 'object') return null;
  const total = (latency as { totalMs?: unknown }).totalMs;
  return typeof total === 'number' ? total : null;
}
