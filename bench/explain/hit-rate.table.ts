/** What one defect test image scored. */
export interface ImageOutcome {
  className: string;
  /** The classifier called it a defect. */
  detected: boolean;
  /** The explanation had no evidence at all (an all-zero map). */
  flat: boolean;
  peakHit: boolean;
  peakNear: boolean;
  /** Probability that a uniformly random pixel hits (exact, not sampled). */
  randomHit: number;
  randomNear: number;
  centreHit: boolean;
  centreNear: boolean;
}

interface Row {
  label: string;
  outcomes: readonly ImageOutcome[];
}

function rate(outcomes: readonly ImageOutcome[], score: (outcome: ImageOutcome) => number | boolean): string {
  if (outcomes.length === 0) return '-';
  const total = outcomes.reduce((sum, outcome) => sum + Number(score(outcome)), 0);
  return `${((100 * total) / outcomes.length).toFixed(1)}%`;
}

/** Per defect class and overall: how often each point lands on the defect, and within `tolerance` pixels. */
export function hitRateTable(outcomes: readonly ImageOutcome[], tolerance: number): string {
  const classes = [...new Set(outcomes.map((outcome) => outcome.className))].sort();
  const rows: Row[] = [
    ...classes.map((className) => ({
      label: className,
      outcomes: outcomes.filter((o) => o.className === className),
    })),
    { label: 'all', outcomes },
    { label: 'all, detected', outcomes: outcomes.filter((outcome) => outcome.detected) },
  ];
  const near = `<=${tolerance}px`;
  const header = [
    'class',
    'n',
    'detected',
    'peak',
    `peak ${near}`,
    'random',
    `random ${near}`,
    'centre',
    `centre ${near}`,
    'no evidence',
  ];
  const body = rows.map(({ label, outcomes: group }) => [
    label,
    String(group.length),
    rate(group, (o) => o.detected),
    rate(group, (o) => o.peakHit),
    rate(group, (o) => o.peakNear),
    rate(group, (o) => o.randomHit),
    rate(group, (o) => o.randomNear),
    rate(group, (o) => o.centreHit),
    rate(group, (o) => o.centreNear),
    String(group.filter((o) => o.flat).length),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column].length)),
  );
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}
