/** A nested config flattened to `a.b.c` paths, arrays kept whole (their order matters). */
export function flatten(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, '{}');
    for (const [key, child] of entries)
      for (const [path, text] of flatten(child, prefix ? `${prefix}.${key}` : key)) out.set(path, text);
  } else if (prefix) {
    out.set(prefix, JSON.stringify(value) ?? 'undefined');
  }
  return out;
}

export interface ConfigChange {
  path: string;
  a: string | null;
  b: string | null;
}

/** The settings that differ between two resolved configs (null: absent on that side), sorted by path. */
export function configDiff(a: unknown, b: unknown): ConfigChange[] {
  const left = flatten(a);
  const right = flatten(b);
  const paths = [...new Set([...left.keys(), ...right.keys()])].sort();
  return paths
    .filter((path) => left.get(path) !== right.get(path))
    .map((path) => ({ path, a: left.get(path) ?? null, b: right.get(path) ?? null }));
}
