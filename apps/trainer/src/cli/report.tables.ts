import { type Finding } from '@linescope/training';
import { type Evaluation } from '@linescope/training/engine';

/** A plain text table: columns padded to their widest cell, numbers right-aligned. */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)));
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => (row[c] ?? '').length)));
  const numeric = header.map((_, c) => rows.every((row) => typeof row[c] === 'number'));
  const format = (row: readonly string[]) =>
    row
      .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(format)].join('\n');
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-3 ? value.toFixed(4) : value.toExponential(2);
}

export function findingsTable(findings: readonly Finding[]): string {
  return textTable(
    ['check', 'status', 'message'],
    findings.map((f) => [f.check, f.status.toUpperCase(), f.message]),
  );
}

/** The evaluation as text: headline metrics, per-class table, confusion matrix, operating point. */
export function evaluationReport(evaluation: Evaluation, classNames: readonly string[]): string {
  const { report, defect } = evaluation;
  const lines: string[] = [];
  if (evaluation.diverged) lines.push('the model diverged: its outputs are not finite, nothing was measured');
  const headline: [string, number][] = [
    ['test images', evaluation.testCount],
    ['accuracy', report.accuracy],
    ['macro F1', report.macro.f1],
    ['log loss', report.logLoss],
    ['calibration error (ECE)', report.calibration.expectedCalibrationError],
  ];
  if (defect)
    headline.push(['ROC AUC (defect score)', defect.rocAuc], ['PR AUC (defect score)', defect.prAuc]);
  const single = evaluation.singleView;
  if (single) {
    headline.push(
      ['test-time views averaged', evaluation.views.length],
      ['accuracy, image alone', single.accuracy],
    );
    if (single.rocAuc !== undefined) headline.push(['ROC AUC, image alone', single.rocAuc]);
  }
  lines.push(textTable(['metric', 'value'], headline));
  lines.push('');
  lines.push(
    textTable(
      ['class', 'precision', 'recall', 'F1', 'support'],
      report.perClass.map((c) => [c.className, c.precision, c.recall, c.f1, c.support]),
    ),
  );
  lines.push('');
  lines.push('confusion (rows: true, columns: predicted)');
  lines.push(
    textTable(
      ['', ...classNames],
      report.confusion.map((row, r) => [classNames[r], ...row]),
    ),
  );
  const op = defect?.operatingPoint;
  if (op) {
    lines.push('');
    lines.push(
      textTable(
        ['operating point (chosen on validation)', 'value'],
        [
          ['threshold', op.threshold.threshold],
          ['validation recall', op.threshold.recall],
          ['uncertain band low', op.band.low],
          ['uncertain band high', op.band.high],
          ['test escape rate (defect called ok)', op.test.escapeRate],
          ['test false reject rate', op.test.falseRejectRate],
          ['test review rate', op.test.reviewRate],
        ],
      ),
    );
  } else if (defect?.note) {
    lines.push('', defect.note);
  }
  return lines.join('\n');
}
