export const RANGES = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
} as const;
export type RangeName = keyof typeof RANGES;

export function isRange(value: string | null): value is RangeName {
  return value !== null && value in RANGES;
}

/** The window a dashboard shows: explicit from/to in the URL, else the named range ending now. */
export function resolveWindow(params: URLSearchParams): { from: string; to: string; label: string } {
  const from = params.get('from');
  const to = params.get('to');
  if (from && to) return { from, to, label: 'custom' };
  const range = params.get('range');
  const name: RangeName = isRange(range) ? range : '24h';
  const end = Date.now();
  return { from: new Date(end - RANGES[name]).toISOString(), to: new Date(end).toISOString(), label: name };
}
