import { useInfiniteQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { InspectionQuery } from '../api/types';
import { usePollInterval } from '../app/live-events';
import { FilterBar, readParams, toParams } from '../components/FilterBar';
import { formatMs, formatTime, totalLatencyMs } from '../components/format';
import { VerdictBadge } from '../components/VerdictBadge';

const KEYS = [
  'lineId',
  'cameraId',
  'verdict',
  'status',
  'from',
  'to',
  'needsReview',
  'modelVersionId',
] as const;
const PAGE = 50;

/** Every inspection, filtered by the URL's parameters, a page at a time (cursor pagination). */
export function InspectionsPage() {
  const [params, setParams] = useSearchParams();
  const filters = readParams(params, KEYS);
  const poll = usePollInterval();
  const query: InspectionQuery = {
    ...filters,
    verdict: filters.verdict as InspectionQuery['verdict'],
    status: filters.status as InspectionQuery['status'],
    needsReview: filters.needsReview === 'true' ? 'true' : undefined,
    limit: PAGE,
  };
  const pages = useInfiniteQuery({
    queryKey: ['inspections', query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET('/api/v1/inspections', { params: { query: { ...query, cursor: pageParam } } })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: poll,
  });
  const rows = pages.data?.pages.flatMap((page) => page.items) ?? [];
  const update = (next: Record<string, string | undefined>) => setParams(toParams(next), { replace: true });

  return (
    <section aria-labelledby="inspections-title">
      <h1 id="inspections-title">Inspections</h1>
      <FilterBar
        values={filters}
        verdicts={['ok', 'defect', 'uncertain']}
        onChange={(next) => update({ ...filters, ...next })}
      />
      <p>
        <input
          id="needs-review"
          type="checkbox"
          checked={filters.needsReview === 'true'}
          onChange={(e) => update({ ...filters, needsReview: e.target.checked ? 'true' : undefined })}
        />
        <label htmlFor="needs-review">Only items that need review</label>
      </p>
      {pages.isError && (
        <p role="alert" className="error">
          {pages.error.message}
        </p>
      )}
      <table className="inspections" data-testid="inspections-table">
        <caption className="sr-only">Inspections, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Image</th>
            <th scope="col">Received</th>
            <th scope="col">Serial</th>
            <th scope="col">Status</th>
            <th scope="col">Verdict</th>
            <th scope="col">Score</th>
            <th scope="col">Latency</th>
            <th scope="col">Reviews</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-testid="inspection-row">
              <td>
                <img src={row.thumbnailUrl} alt="" width={64} height={64} loading="lazy" />
              </td>
              <td>
                <Link to={`/inspections/${row.id}`}>{formatTime(row.receivedAt)}</Link>
              </td>
              <td>{row.productSerial ?? '—'}</td>
              <td>{row.status}</td>
              <td>
                <VerdictBadge verdict={row.verdict} />
              </td>
              <td>{row.score?.toFixed(3) ?? '—'}</td>
              <td>{formatMs(totalLatencyMs(row.latency))}</td>
              <td>{row.reviewCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!pages.isPending && rows.length === 0 && <p>No inspections match these filters.</p>}
      {pages.hasNextPage && (
        <button type="button" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
          {pages.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
