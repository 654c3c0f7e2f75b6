import { useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import type { Verdict } from '../api/types';
import { usePollInterval } from '../app/live-events';
import { useLines } from '../app/queries';
import { canManageModels, useSession } from '../app/session';
import { formatTime } from '../components/format';
import {
  CalibrationSection,
  COLORS,
  Confusion,
  KeyFigures,
  OperatingPoint,
  PerClassTable,
  RankingCharts,
} from './EvaluationSections';
import {
  modelLabel,
  percent,
  useCurves,
  useEvaluation,
  useLineOverride,
  useModel,
  useModelConfig,
  useModels,
  usePromote,
  useRollback,
  useShadow,
  useShadowReport,
  type ModelCurvesDto,
  type ModelEvaluationDto,
  type ModelVersionDto,
} from './queries';
import { ReasonDialog } from '../components/ReasonDialog';
import { XYChart, type XYSeries } from './XYChart';

/** One version: its evaluation, curves, config, int8 variant, shadow run, promotion and per-line overrides. */
export function ModelPage() {
  const { id = '' } = useParams();
  const model = useModel(id);
  const evaluation = useEvaluation(id);
  const session = useSession();
  const role = session.data?.user.role;
  const manage = Boolean(role && canManageModels(role));
  if (model.isPending) return <p>Loading…</p>;
  if (model.isError)
    return (
      <p role="alert" className="error">
        {model.error.message}
      </p>
    );
  const version = model.data;
  return (
    <section aria-labelledby="model-title" className="model-page">
      <p>
        <Link to="/models">← All models</Link>
      </p>
      <h1 id="model-title">
        {modelLabel(version)} <span className={`badge stage-${version.stage}`}>{version.stage}</span>
        {version.shadow && <span className="badge">shadow</span>}
      </h1>
      <p className="muted">
        {version.architecture} at {version.inputSize[0]}×{version.inputSize[1]} · classes{' '}
        {version.classNames.join(', ')} · registered {formatTime(version.createdAt)}
        {version.promotedAt && <> · promoted {formatTime(version.promotedAt)}</>}
        {version.trainingJobId && (
          <>
            {' '}
            · <Link to={`/training/${version.trainingJobId}`}>training job</Link>
          </>
        )}
      </p>
      {manage && <ProductionActions version={version} />}

      <h2>Evaluation</h2>
      {evaluation.isPending && <p>Loading…</p>}
      {evaluation.isError && (
        <p role="alert" className="error">
          {evaluation.error.message}
        </p>
      )}
      {evaluation.data && <EvaluationView version={version} evaluation={evaluation.data} />}

      <h2>Training curves</h2>
      <TrainingCurves id={id} />

      <h2>Shadow evaluation</h2>
      <ShadowSection version={version} manage={manage} />

      <h2>Lines</h2>
      <LineOverrides version={version} manage={manage} />

      <h2>Resolved training config</h2>
      <ConfigViewer id={id} />
    </section>
  );
}

function EvaluationView({
  version,
  evaluation,
}: {
  version: ModelVersionDto;
  evaluation: ModelEvaluationDto;
}) {
  const detail = evaluation.detail;
  const entries = useMemo(() => (detail ? [{ label: modelLabel(version), detail }] : []), [detail, version]);
  return (
    <>
      <KeyFigures evaluation={evaluation} />
      <Int8Variant version={version} evaluation={evaluation} />
      {detail ? (
        <>
          <PerClassTable detail={detail} />
          <RankingCharts entries={entries} />
          <div className="side-by-side">
            <Confusion detail={detail} caption="Confusion matrix (test split)" />
            <OperatingPoint detail={detail} />
          </div>
          <CalibrationSection detail={detail} />
        </>
      ) : (
        <p className="muted">
          {evaluation.quantization?.variantId === version.id
            ? 'An int8 variant: only its accuracy is measured; the detailed evaluation is that of the version it was made from.'
            : 'No detailed evaluation is stored for this version (registered before evaluations were kept).'}
        </p>
      )}
    </>
  );
}

function Int8Variant({ version, evaluation }: { version: ModelVersionDto; evaluation: ModelEvaluationDto }) {
  const q = evaluation.quantization;
  if (!q) return <p className="muted">No int8 variant (ONNX Runtime was not installed where it trained).</p>;
  const self = q.variantId === version.id;
  const change = q.accuracyChangePoints;
  return (
    <p data-testid="int8-variant">
      {self ? (
        <>
          This is the int8 variant of <Link to={`/models/${q.of}`}>its fp32 version</Link>.
        </>
      ) : (
        <>
          int8 variant: <Link to={`/models/${q.variantId}`}>{modelLabel(q)}</Link>.
        </>
      )}{' '}
      Accuracy on {q.testImages ?? '?'} test images: fp32 {percent(q.fp32Accuracy)}, int8{' '}
      {percent(q.int8Accuracy)} (
      <strong>
        {change === null ? 'change not measured' : `${change >= 0 ? '+' : ''}${change.toFixed(2)} points`}
      </strong>
      ).
    </p>
  );
}

function TrainingCurves({ id }: { id: string }) {
  const curves = useCurves(id);
  const charts = useMemo(() => (curves.data ? curveSeries(curves.data) : null), [curves.data]);
  if (curves.isPending) return <p>Loading…</p>;
  if (curves.isError)
    return (
      <p role="alert" className="error">
        {curves.error.message}
      </p>
    );
  if (!charts)
    return <p className="muted">No per-epoch record: this version did not come from a training job.</p>;
  return (
    <>
      {curves.data.bestEpoch !== null && (
        <p className="muted">Weights kept from epoch {curves.data.bestEpoch}.</p>
      )}
      <div className="charts">
        <XYChart title="Loss" xLabel="epoch" yLabel="loss" series={charts.loss} />
        <XYChart title="Accuracy" xLabel="epoch" yLabel="accuracy" series={charts.accuracy} />
        <XYChart title="Learning rate" xLabel="epoch" yLabel="learning rate" series={charts.learningRate} />
      </div>
    </>
  );
}

function curveSeries(curves: ModelCurvesDto) {
  if (curves.epochs.length === 0) return null;
  const of = (key: 'trainLoss' | 'valLoss' | 'trainAccuracy' | 'valAccuracy' | 'learningRate') =>
    curves.epochs.map((e) => ({ x: e.epoch, y: e[key] }));
  const loss: XYSeries[] = [
    { label: 'train', color: COLORS[0], points: of('trainLoss') },
    { label: 'validation', color: COLORS[1], points: of('valLoss') },
  ];
  const accuracy: XYSeries[] = [
    { label: 'train', color: COLORS[0], points: of('trainAccuracy') },
    { label: 'validation', color: COLORS[1], points: of('valAccuracy') },
  ];
  const learningRate: XYSeries[] = [{ label: 'learning rate', color: COLORS[2], points: of('learningRate') }];
  return { loss, accuracy, learningRate };
}

function ProductionActions({ version }: { version: ModelVersionDto }) {
  const [dialog, setDialog] = useState<'promote' | 'rollback' | null>(null);
  const promote = usePromote(version.id);
  const rollback = useRollback();
  const mutation = dialog === 'rollback' ? rollback : promote;
  return (
    <div className="model-actions" data-testid="production-actions">
      {version.stage !== 'production' && (
        <button type="button" className="primary" onClick={() => setDialog('promote')}>
          Promote to production…
        </button>
      )}
      {version.stage === 'production' && (
        <button type="button" onClick={() => setDialog('rollback')}>
          Roll back…
        </button>
      )}
      {promote.isSuccess && <p role="status">Promoted: this version now serves production.</p>}
      {rollback.isSuccess && (
        <p role="status">
          Rolled back: <Link to={`/models/${rollback.data.id}`}>{modelLabel(rollback.data)}</Link> serves
          production again.
        </p>
      )}
      <ReasonDialog
        open={dialog !== null}
        title={
          dialog === 'rollback' ? `Roll back from ${modelLabel(version)}?` : `Promote ${modelLabel(version)}?`
        }
        description={
          dialog === 'rollback'
            ? 'The version this one replaced serves production again, on every line without an override.'
            : 'This version will serve production on every line without an override; inference warms it before switching.'
        }
        confirmLabel={dialog === 'rollback' ? 'Roll back' : 'Promote'}
        pending={mutation.isPending}
        error={mutation.error?.message ?? null}
        onCancel={() => {
          setDialog(null);
          mutation.reset();
        }}
        onConfirm={(reason) => mutation.mutate(reason, { onSuccess: () => setDialog(null) })}
      />
    </div>
  );
}

function ShadowSection({ version, manage }: { version: ModelVersionDto; manage: boolean }) {
  const poll = usePollInterval();
  const report = useShadowReport(version.id, poll);
  const shadow = useShadow(version.id);
  const data = report.data;
  const counts = (data?.counts ?? {}) as Partial<Record<Verdict, Partial<Record<Verdict, number>>>>;
  return (
    <div data-testid="shadow">
      <p className="muted">
        A shadow version scores live traffic beside production; its answers are recorded, never returned.
        Agreement updates live as results arrive.
      </p>
      {manage && version.stage !== 'production' && (
        <button type="button" onClick={() => shadow.mutate(!version.shadow)} disabled={shadow.isPending}>
          {version.shadow ? 'Stop shadow scoring' : 'Start shadow scoring'}
        </button>
      )}
      {shadow.error && (
        <p role="alert" className="error">
          {shadow.error.message}
        </p>
      )}
      {data && (
        <>
          <p aria-live="polite" data-testid="shadow-agreement">
            {data.shadow ? 'Running' : 'Stopped'}: {data.agreements} of {data.total} inspections agreed with
            production ({percent(data.agreementRate)}).
          </p>
          {data.total > 0 && (
            <table className="data-table">
              <caption>Production verdict (rows) against shadow verdict (columns)</caption>
              <thead>
                <tr>
                  <th scope="col">production ↓ / shadow →</th>
                  <th scope="col">ok</th>
                  <th scope="col">uncertain</th>
                  <th scope="col">defect</th>
                </tr>
              </thead>
              <tbody>
                {(['ok', 'uncertain', 'defect'] as const).map((p) => (
                  <tr key={p}>
                    <th scope="row">{p}</th>
                    <td>{counts[p]?.ok ?? 0}</td>
                    <td>{counts[p]?.uncertain ?? 0}</td>
                    <td>{counts[p]?.defect ?? 0}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {data.recentDisagreements.length > 0 && (
            <details>
              <summary>Latest disagreements ({data.recentDisagreements.length})</summary>
              <ul>
                {data.recentDisagreements.map((d) => (
                  <li key={d.inspectionId}>
                    <Link to={`/inspections/${d.inspectionId}`}>{formatTime(d.createdAt)}</Link>: production{' '}
                    {d.productionVerdict} ({d.productionScore.toFixed(2)}), shadow {d.verdict} (
                    {d.score.toFixed(2)})
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </div>
  );
}

function LineOverrides({ version, manage }: { version: ModelVersionDto; manage: boolean }) {
  const lines = useLines();
  const models = useModels();
  const override = useLineOverride();
  if (lines.isPending) return <p>Loading…</p>;
  if (lines.isError)
    return (
      <p role="alert" className="error">
        {lines.error.message}
      </p>
    );
  const nameOf = (id: string) => {
    const found = models.data?.find((m) => m.id === id);
    return found ? modelLabel(found) : id.slice(0, 8);
  };
  return (
    <>
      <table className="data-table" data-testid="line-overrides">
        <caption>What each line serves: production, or a version pinned on it</caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Serves</th>
            {manage && <th scope="col">Override</th>}
          </tr>
        </thead>
        <tbody>
          {lines.data.map((line) => (
            <tr key={line.id}>
              <th scope="row">{line.name}</th>
              <td>
                {line.modelVersionId ? (
                  <Link to={`/models/${line.modelVersionId}`}>{nameOf(line.modelVersionId)} (pinned)</Link>
                ) : (
                  'production'
                )}
              </td>
              {manage && (
                <td>
                  {line.modelVersionId === version.id ? (
                    <button
                      type="button"
                      disabled={override.isPending}
                      onClick={() => override.mutate({ lineId: line.id, modelVersionId: null })}
                    >
                      Follow production on {line.name}
                    </button>
                  ) : (
                    <button
                      type="button"
                      disabled={override.isPending}
                      onClick={() => override.mutate({ lineId: line.id, modelVersionId: version.id })}
                    >
                      Serve this version on {line.name}
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {override.error && (
        <p role="alert" className="error">
          {override.error.message}
        </p>
      )}
    </>
  );
}

function ConfigViewer({ id }: { id: string }) {
  const config = useModelConfig(id);
  if (config.isPending) return <p>Loading…</p>;
  if (config.isError)
    return (
      <p role="alert" className="error">
        {config.error.message}
      </p>
    );
  return (
    <>
      {config.data.dataset && (
        <p>
          Dataset: <code>{JSON.stringify(config.data.dataset)}</code>
        </p>
      )}
      <details open={Object.keys(config.data.config).length > 0}>
        <summary>Every setting, defaults and derived values filled in</summary>
        <pre
          className="config-viewer"
          tabIndex={0}
          aria-label="Resolved training config"
          data-testid="resolved-config"
        >
          {JSON.stringify(config.data.config, null, 2)}
        </pre>
      </details>
    </>
  );
}
