import { useMemo } from 'react';
import { ConfusionMatrix } from './ConfusionMatrix';
import { decimal, percent, type EvaluationDetailDto, type ModelEvaluationDto } from './queries';
import { XYChart, type XYSeries } from './XYChart';

/** The headline figures of an evaluation, as a definition list. */
export function KeyFigures({ evaluation }: { evaluation: ModelEvaluationDto }) {
  const detail = evaluation.detail;
  const figures: [string, string][] = [
    ['Accuracy (test)', percent(evaluation.accuracy)],
    ['ROC AUC', decimal(evaluation.rocAuc)],
    ['PR AUC', decimal(evaluation.prAuc)],
    ['Operating threshold', decimal(evaluation.operatingThreshold)],
    [
      'Uncertain band',
      evaluation.uncertainLow === null || evaluation.uncertainHigh === null
        ? '—'
        : `${decimal(evaluation.uncertainLow)} – ${decimal(evaluation.uncertainHigh)}`,
    ],
    ['Sent to review (test)', percent(evaluation.reviewShare)],
    ['Calibration error (ECE)', decimal(detail?.calibration.expectedCalibrationError ?? null)],
    ['Test images', detail ? String(detail.testCount) : '—'],
  ];
  return (
    <dl className="stats" data-testid="key-figures">
      {figures.map(([label, value]) => (
        <div className="stat" key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function PerClassTable({ detail }: { detail: EvaluationDetailDto }) {
  return (
    <table className="data-table">
      <caption>Per-class precision and recall (test split)</caption>
      <thead>
        <tr>
          <th scope="col">Class</th>
          <th scope="col">Precision</th>
          <th scope="col">Recall</th>
          <th scope="col">F1</th>
          <th scope="col">Test images</th>
        </tr>
      </thead>
      <tbody>
        {detail.perClass.map((row) => (
          <tr key={row.className}>
            <th scope="row">{row.className}</th>
            <td>{decimal(row.precision)}</td>
            <td>{decimal(row.recall)}</td>
            <td>{decimal(row.f1)}</td>
            <td>{row.support}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df'];

/** ROC and PR curves of one or more versions, overlaid. */
export function RankingCharts({ entries }: { entries: { label: string; detail: EvaluationDetailDto }[] }) {
  const { roc, pr } = useMemo(() => {
    const withDefect = entries.filter((e) => e.detail.defect);
    const roc: XYSeries[] = withDefect.map((e, i) => ({
      label: `${e.label} (AUC ${decimal(e.detail.defect!.rocAuc)})`,
      color: COLORS[i % COLORS.length],
      points: e.detail.defect!.rocCurve.map((p) => ({ x: p.falsePositiveRate ?? 0, y: p.truePositiveRate })),
    }));
    const pr: XYSeries[] = withDefect.map((e, i) => ({
      label: `${e.label} (AUC ${decimal(e.detail.defect!.prAuc)})`,
      color: COLORS[i % COLORS.length],
      points: e.detail.defect!.prCurve.map((p) => ({ x: p.recall ?? 0, y: p.precision })),
    }));
    return { roc, pr };
  }, [entries]);
  if (roc.length === 0)
    return <p className="muted">No ok/defect split in these classes: no ROC or PR curve.</p>;
  return (
    <div className="charts">
      <XYChart
        title="ROC curve (test split)"
        xLabel="false positive rate"
        yLabel="true positive rate"
        series={roc}
        unitSquare
      />
      <XYChart
        title="Precision–recall curve (test split)"
        xLabel="recall"
        yLabel="precision"
        series={pr}
        unitSquare
      />
    </div>
  );
}

export function CalibrationSection({ detail }: { detail: EvaluationDetailDto }) {
  const series = useMemo<XYSeries[]>(
    () => [
      {
        label: 'observed',
        color: COLORS[0],
        points: detail.calibration.bins
          .filter((b) => b.count > 0)
          .map((b) => ({ x: b.meanPredicted ?? (b.lower + b.upper) / 2, y: b.observedFrequency })),
      },
      {
        label: 'perfect',
        color: '#6e7781',
        dash: [4, 4],
        points: [
          { x: 0, y: 0 },
          { x: 1, y: 1 },
        ],
      },
    ],
    [detail],
  );
  return (
    <>
      <XYChart
        title={`Calibration (ECE ${decimal(detail.calibration.expectedCalibrationError)})`}
        xLabel="confidence"
        yLabel="accuracy"
        series={series}
        unitSquare
      />
      <details>
        <summary>Calibration bins</summary>
        <table className="data-table">
          <caption className="sr-only">Calibration bins</caption>
          <thead>
            <tr>
              <th scope="col">Confidence</th>
              <th scope="col">Images</th>
              <th scope="col">Mean confidence</th>
              <th scope="col">Observed accuracy</th>
            </tr>
          </thead>
          <tbody>
            {detail.calibration.bins.map((bin) => (
              <tr key={bin.lower}>
                <th scope="row">
                  {bin.lower.toFixed(1)}–{bin.upper.toFixed(1)}
                </th>
                <td>{bin.count}</td>
                <td>{decimal(bin.meanPredicted)}</td>
                <td>{decimal(bin.observedFrequency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

export function Confusion({ detail, caption }: { detail: EvaluationDetailDto; caption: string }) {
  return <ConfusionMatrix caption={caption} classNames={detail.classNames} confusion={detail.confusion} />;
}

/** How the operating point sorts the test split: escapes, false rejects, share sent to review. */
export function OperatingPoint({ detail }: { detail: EvaluationDetailDto }) {
  const op = detail.defect?.operatingPoint;
  if (!op) return <p className="muted">{detail.defect?.note ?? 'No operating point was chosen.'}</p>;
  const rows: ['ok' | 'defect', string][] = [
    ['ok', 'truly ok'],
    ['defect', 'truly defective'],
  ];
  return (
    <table className="data-table">
      <caption>
        Threshold {decimal(op.threshold)} (for recall {percent(op.targetRecall, 0)} on validation), uncertain
        band {decimal(op.uncertainLow)}–{decimal(op.uncertainHigh)}: escapes {percent(op.test.escapeRate)},
        false rejects {percent(op.test.falseRejectRate)}, sent to review {percent(op.test.reviewRate)}
      </caption>
      <thead>
        <tr>
          <th scope="col">Test parts</th>
          <th scope="col">verdict ok</th>
          <th scope="col">uncertain (review)</th>
          <th scope="col">verdict defect</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([key, label]) => (
          <tr key={key}>
            <th scope="row">{label}</th>
            <td>{op.test.counts[key].ok}</td>
            <td>{op.test.counts[key].uncertain}</td>
            <td>{op.test.counts[key].defect}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
