import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { LineDashboardDto } from '../api/types';
import { usePollInterval } from '../app/live-events';
import { canManageModels, useSession } from '../app/session';
import { formatMs, formatPercent, formatTime } from '../components/format';
import { ReasonDialog } from '../components/ReasonDialog';
import { RangePicker } from './RangePicker';
import { resolveWindow } from './range';
import { type ChartSeries, TimeChart } from './TimeChart';

const VERDICT_SERIES = [
  { key: 'ok', label: 'OK', color: '#1a7f37' },
  { key: 'defect', label: 'Defect', color: '#cf222e' },
  { key: 'uncertain', label: 'Uncertain', color: '#9a6700' },
] as const;

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** The serving model, and for ML engineers and administrators a rollback (the server checks the role too). */
function ServingModel({ dashboard }: { dashboard: LineDashboardDto }) {
  const session = useSession();
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const rollback = useMutation({
    mutationFn: (reason: string) => unwrap(api.POST('/api/v1/models/rollback', { body: { reason } })),
    onSuccess: async () => {
      setConfirming(false);
      await client.invalidateQueries({ queryKey: ['dashboard'] });
      await client.invalidateQueries({ queryKey: ['models'] });
    },
  });
  const model = dashboard.servingModel;
  const role = session.data?.user.role;
  return (
    <div className="stat serving">
      <dt>Serving model</dt>
      <dd data-testid="serving-model">
        {model ? (
          role && canManageModels(role) ? (
            <Link to={`/models/${model.id}`}>{`${model.name} v${model.version}`}</Link>
          ) : (
            `${model.name} v${model.version}`
          )
        ) : (
          'none'
        )}
      </dd>
      {role && canManageModels(role) && model && (
        <dd data-testid="promotion-controls">
          <button type="button" onClick={() => setConfirming(true)} disabled={rollback.isPending}>
            Roll back…
          </button>
          <ReasonDialog
            open={confirming}
            title={`Roll back from ${model.name} v${model.version}?`}
            description="The version it replaced serves production again, on every line without an override."
            confirmLabel="Roll back"
            pending={rollback.isPending}
            error={rollback.error?.message ?? null}
            onCancel={() => {
              setConfirming(false);
              rollback.reset();
            }}
            onConfirm={(reason) => rollback.mutate(reason)}
          />
        </dd>
      )}
    </div>
  );
}

/** A line over a time range: throughput, verdict mix, rates, backlog, latency, the model; a point opens its items. */
export function LineDashboardPage() {
  const { lineId = '' } = useParams();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const poll = usePollInterval();
  const cameraId = params.get('cameraId') ?? undefined;
  const dashboard = useQuery({
    queryKey: ['dashboard', 'line', lineId, params.toString()],
    queryFn: () => {
      const { from, to } = resolveWindow(params);
      return unwrap(
        api.GET('/api/v1/dashboards/lines/{lineId}', {
          params: { path: { lineId }, query: { from, to, cameraId } },
        }),
      );
    },
    refetchInterval: poll,
  });
  const data = dashboard.data;
  const charts = useMemo(() => {
    if (!data) return null;
    const times = data.series.map((point) => Date.parse(point.t) / 1000);
    const verdicts: ChartSeries[] = VERDICT_SERIES.map((s) => ({
      label: s.label,
      color: s.color,
      values: data.series.map((point) => point[s.key]),
    }));
    const throughput: ChartSeries[] = [
      { label: 'per minute', color: '#0969da', values: data.series.map((p) => p.throughputPerMinute) },
    ];
    const latency: ChartSeries[] = [
      { label: 'p50', color: '#0969da', values: data.series.map((p) => p.p50LatencyMs) },
      { label: 'p99', color: '#8250df', values: data.series.map((p) => p.p99LatencyMs) },
    ];
    const rates: ChartSeries[] = [
      { label: 'defect %', color: '#cf222e', values: data.series.map((p) => p.defectRate * 100) },
      { label: 'uncertain %', color: '#9a6700', values: data.series.map((p) => p.uncertainRate * 100) },
    ];
    return { times, verdicts, throughput, latency, rates };
  }, [data]);

  const drillHref = (index: number, verdict?: string) => {
    if (!data) return '';
    const start = new Date(data.series[index].t);
    const end = new Date(start.getTime() + data.bucketSeconds * 1000);
    const query = new URLSearchParams({ lineId, from: start.toISOString(), to: end.toISOString() });
    if (cameraId) query.set('cameraId', cameraId);
    if (verdict) query.set('verdict', verdict);
    return `/inspections?${query.toString()}`;
  };
  const drill =
    (verdict?: (index: number, series: number) => string | undefined) => (index: number, series: number) =>
      void navigate(drillHref(index, verdict?.(index, series)));

  if (dashboard.isPending) return <p>Loading…</p>;
  if (dashboard.isError)
    return (
      <p role="alert" className="error">
        {dashboard.error.message}
      </p>
    );
  const totals = dashboard.data.totals;
  return (
    <section aria-labelledby="line-title" className="line-dashboard">
      <p>
        <Link to="/dashboards">← All lines</Link>
      </p>
      <h1 id="line-title">{dashboard.data.line.name}</h1>
      <RangePicker />
      <p className="muted">
        {formatTime(dashboard.data.from)} – {formatTime(dashboard.data.to)}, one point per{' '}
        {Math.round(dashboard.data.bucketSeconds / 60)} min
      </p>
      <dl className="stats" data-testid="line-totals">
        <Stat label="Inspections" value={String(totals.total)} />
        <Stat
          label="Throughput"
          value={`${totals.throughputPerMinute.toFixed(totals.throughputPerMinute < 1 ? 2 : 1)} / min`}
        />
        <Stat label="Defect rate" value={formatPercent(totals.defectRate)} />
        <Stat label="Uncertain rate" value={formatPercent(totals.uncertainRate)} />
        <Stat label="Review backlog" value={String(totals.reviewBacklog)} />
        <Stat
          label="Latency p50 / p99"
          value={`${formatMs(totals.p50LatencyMs)} / ${formatMs(totals.p99LatencyMs)}`}
        />
        <ServingModel dashboard={dashboard.data} />
      </dl>
      {charts && (
        <div className="charts">
          <TimeChart
            title="Verdict mix (inspections per point)"
            times={charts.times}
            series={charts.verdicts}
            onPointClick={drill((_i, series) => VERDICT_SERIES[series].key)}
          />
          <TimeChart
            title="Throughput"
            times={charts.times}
            series={charts.throughput}
            unit="/min"
            onPointClick={drill()}
          />
          <TimeChart
            title="Defect and uncertain rates"
            times={charts.times}
            series={charts.rates}
            unit="%"
            onPointClick={drill()}
          />
          <TimeChart
            title="Verdict latency"
            times={charts.times}
            series={charts.latency}
            unit=" ms"
            onPointClick={drill()}
          />
        </div>
      )}
      <details className="data-table">
        <summary>Data table</summary>
        <table>
          <caption className="sr-only">Points of the charts</caption>
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">Total</th>
              <th scope="col">OK</th>
              <th scope="col">Defect</th>
              <th scope="col">Uncertain</th>
              <th scope="col">p50 / p99</th>
            </tr>
          </thead>
          <tbody>
            {dashboard.data.series.map((point, i) =>
              point.total === 0 ? null : (
                <tr key={point.t}>
                  <th scope="row">
                    <Link to={drillHref(i)}>{formatTime(point.t)}</Link>
                  </th>
                  <td>{point.total}</td>
                  <td>{point.ok}</td>
                  <td>{point.defect}</td>
                  <td>{point.uncertain}</td>
                  <td>
                    {formatMs(point.p50LatencyMs)} / {formatMs(point.p99LatencyMs)}
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      </details>
      <h2>Cameras</h2>
      <table className="cameras">
        <thead>
          <tr>
            <th scope="col">Camera</th>
            <th scope="col">Inspections</th>
            <th scope="col">Defect rate</th>
            <th scope="col">Uncertain rate</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {dashboard.data.cameras.map((camera) => (
            <tr key={camera.cameraId}>
              <th scope="row">
                <Link
                  to={`?${new URLSearchParams({ ...Object.fromEntries(params), cameraId: camera.cameraId }).toString()}`}
                >
                  {camera.name}
                </Link>
              </th>
              <td>{camera.total}</td>
              <td>{formatPercent(camera.defectRate)}</td>
              <td>{formatPercent(camera.uncertainRate)}</td>
              <td>{formatTime(camera.lastSeenAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
