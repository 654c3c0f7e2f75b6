import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { usePollInterval } from '../app/live-events';
import { formatMs, formatPercent } from '../components/format';
import { RangePicker } from './RangePicker';
import { resolveWindow } from './range';

/** Every line at a glance over the chosen range. */
export function OverviewPage() {
  const [params] = useSearchParams();
  const poll = usePollInterval();
  const range = params.get('range') ?? '24h';
  const overview = useQuery({
    queryKey: ['dashboard', 'overview', range, params.get('from'), params.get('to')],
    queryFn: () => {
      const { from, to } = resolveWindow(params);
      return unwrap(api.GET('/api/v1/dashboards/overview', { params: { query: { from, to } } }));
    },
    refetchInterval: poll,
  });
  const search = params.toString() ? `?${params.toString()}` : '';
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Dashboards</h1>
      <RangePicker />
      {overview.isError && (
        <p role="alert" className="error">
          {overview.error.message}
        </p>
      )}
      <table className="overview" data-testid="overview-table">
        <caption className="sr-only">Lines over the chosen range</caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Inspections</th>
            <th scope="col">Defect rate</th>
            <th scope="col">Uncertain rate</th>
            <th scope="col">Review backlog</th>
            <th scope="col">p50 / p99 latency</th>
            <th scope="col">Serving model</th>
          </tr>
        </thead>
        <tbody>
          {overview.data?.lines.map((line) => (
            <tr key={line.lineId}>
              <th scope="row">
                <Link to={`/dashboards/lines/${line.lineId}${search}`}>{line.name}</Link>
              </th>
              <td>{line.total}</td>
              <td>{formatPercent(line.defectRate)}</td>
              <td>{formatPercent(line.uncertainRate)}</td>
              <td>{line.reviewBacklog}</td>
              <td>
                {formatMs(line.p50LatencyMs)} / {formatMs(line.p99LatencyMs)}
              </td>
              <td>{line.servingModel ? `${line.servingModel.name} v${line.servingModel.version}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {overview.data?.lines.length === 0 && <p>No lines yet.</p>}
    </section>
  );
}
