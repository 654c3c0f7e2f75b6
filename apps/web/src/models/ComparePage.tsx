import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { configDiff } from './config-diff';
import { Confusion, RankingCharts } from './EvaluationSections';
import {
  decimal,
  metricOf,
  modelLabel,
  percent,
  useEvaluation,
  useModel,
  useModelConfig,
  type ModelEvaluationDto,
  type ModelVersionDto,
} from './queries';

interface Row {
  label: string;
  value: (model: ModelVersionDto, evaluation: ModelEvaluationDto) => number | null;
  format: (value: number | null) => string;
  /** Whether a higher value is better (marks the better side). */
  higherIsBetter?: boolean;
}

const ROWS: Row[] = [
  { label: 'Accuracy (test)', value: (_, e) => e.accuracy, format: (v) => percent(v), higherIsBetter: true },
  { label: 'ROC AUC', value: (_, e) => e.rocAuc, format: (v) => decimal(v), higherIsBetter: true },
  { label: 'PR AUC', value: (_, e) => e.prAuc, format: (v) => decimal(v), higherIsBetter: true },
  {
    label: 'Macro F1',
    value: (m) => metricOf(m, 'macroF1'),
    format: (v) => decimal(v),
    higherIsBetter: true,
  },
  {
    label: 'Log loss',
    value: (m) => metricOf(m, 'logLoss'),
    format: (v) => decimal(v),
    higherIsBetter: false,
  },
  {
    label: 'Calibration error (ECE)',
    value: (_, e) => e.detail?.calibration.expectedCalibrationError ?? null,
    format: (v) => decimal(v),
    higherIsBetter: false,
  },
  { label: 'Operating threshold', value: (_, e) => e.operatingThreshold, format: (v) => decimal(v) },
  { label: 'Uncertain band low', value: (_, e) => e.uncertainLow, format: (v) => decimal(v) },
  { label: 'Uncertain band high', value: (_, e) => e.uncertainHigh, format: (v) => decimal(v) },
  {
    label: 'Escapes (test)',
    value: (m) => metricOf(m, 'testEscapeRate'),
    format: (v) => percent(v),
    higherIsBetter: false,
  },
  {
    label: 'Sent to review (test)',
    value: (_, e) => e.reviewShare,
    format: (v) => percent(v),
    higherIsBetter: false,
  },
  {
    label: 'Test images',
    value: (_, e) => e.detail?.testCount ?? null,
    format: (v) => (v === null ? '—' : String(v)),
  },
];

/** Two versions side by side: metrics, overlaid ROC and PR curves, both confusion matrices, the config changes. */
export function ComparePage() {
  const [params] = useSearchParams();
  const a = params.get('a') ?? '';
  const b = params.get('b') ?? '';
  const models = [useModel(a), useModel(b)];
  const evaluations = [useEvaluation(a), useEvaluation(b)];
  const configs = [useModelConfig(a), useModelConfig(b)];
  const [ma, mb] = models.map((q) => q.data);
  const [ea, eb] = evaluations.map((q) => q.data);
  const entries = useMemo(
    () =>
      ma && mb && ea?.detail && eb?.detail
        ? [
            { label: `A: ${modelLabel(ma)}`, detail: ea.detail },
            { label: `B: ${modelLabel(mb)}`, detail: eb.detail },
          ]
        : [],
    [ma, mb, ea, eb],
  );
  const changes = useMemo(
    () =>
      configs[0].data && configs[1].data ? configDiff(configs[0].data.config, configs[1].data.config) : null,
    [configs[0].data, configs[1].data], // eslint-disable-line react-hooks/exhaustive-deps -- the two configs
  );
  if (!a || !b)
    return (
      <section aria-labelledby="compare-title">
        <h1 id="compare-title">Compare models</h1>
        <p>
          Pick two versions on the <Link to="/models">models page</Link>.
        </p>
      </section>
    );
  const failed = [...models, ...evaluations].find((q) => q.isError);
  if (failed?.error)
    return (
      <p role="alert" className="error">
        {failed.error.message}
      </p>
    );
  if (!ma || !mb || !ea || !eb) return <p>Loading…</p>;
  return (
    <section aria-labelledby="compare-title" className="compare-page">
      <p>
        <Link to="/models">← All models</Link>
      </p>
      <h1 id="compare-title">
        Compare {modelLabel(ma)} and {modelLabel(mb)}
      </h1>
      <table className="data-table compare-table" data-testid="compare-metrics">
        <caption>Metrics on each version&apos;s own test split</caption>
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">
              A: <Link to={`/models/${ma.id}`}>{modelLabel(ma)}</Link> ({ma.stage})
            </th>
            <th scope="col">
              B: <Link to={`/models/${mb.id}`}>{modelLabel(mb)}</Link> ({mb.stage})
            </th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">Architecture</th>
            <td>{ma.architecture}</td>
            <td>{mb.architecture}</td>
          </tr>
          {ROWS.map((row) => {
            const va = row.value(ma, ea);
            const vb = row.value(mb, eb);
            const better =
              row.higherIsBetter === undefined || va === null || vb === null || va === vb
                ? null
                : va > vb === row.higherIsBetter
                  ? 'a'
                  : 'b';
            return (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                <td className={better === 'a' ? 'better' : undefined}>
                  {row.format(va)}
                  {better === 'a' && <span className="sr-only"> (better)</span>}
                </td>
                <td className={better === 'b' ? 'better' : undefined}>
                  {row.format(vb)}
                  {better === 'b' && <span className="sr-only"> (better)</span>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>ROC and precision–recall curves</h2>
      {entries.length === 2 ? (
        <RankingCharts entries={entries} />
      ) : (
        <p className="muted">One of the versions has no stored detailed evaluation.</p>
      )}
      <h2>Confusion matrices</h2>
      <div className="side-by-side">
        {ea.detail && <Confusion detail={ea.detail} caption={`A: ${modelLabel(ma)}`} />}
        {eb.detail && <Confusion detail={eb.detail} caption={`B: ${modelLabel(mb)}`} />}
      </div>
      <h2>What changed in the config</h2>
      {changes === null ? (
        <p>Loading…</p>
      ) : changes.length === 0 ? (
        <p>The two resolved configs are identical.</p>
      ) : (
        <table className="data-table config-diff" data-testid="config-diff">
          <caption>{changes.length} setting(s) differ</caption>
          <thead>
            <tr>
              <th scope="col">Setting</th>
              <th scope="col">A</th>
              <th scope="col">B</th>
            </tr>
          </thead>
          <tbody>
            {changes.map((change) => (
              <tr key={change.path}>
                <th scope="row">
                  <code>{change.path}</code>
                </th>
                <td className="removed">{change.a ?? '(absent)'}</td>
                <td className="added">{change.b ?? '(absent)'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
