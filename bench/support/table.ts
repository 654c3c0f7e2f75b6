/** Prints rows as a markdown table. */
export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number) =>
    typeof v === 'number' ? (Number.isFinite(v) ? formatNumber(v) : 'n/a') : v;
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

function formatNumber(v: number): string {
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}
