import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { usePollInterval } from '../app/live-events';
import { FilterBar } from '../components/FilterBar';
import { claimFilter, useQueueParams } from './filters';
import { GridTriage } from './GridTriage';
import { ReviewStation } from './ReviewStation';

/** The QA review station: what is waiting, the filters, and one item at a time or a grid. */
export function ReviewPage() {
  const { filters, mode, update } = useQueueParams();
  const poll = usePollInterval();
  const { verdict: _verdict, ...summaryFilter } = claimFilter(filters);
  const summary = useQuery({
    queryKey: ['queue-summary', summaryFilter],
    queryFn: () => unwrap(api.GET('/api/v1/review-queue/summary', { params: { query: summaryFilter } })),
    refetchInterval: poll,
  });
  const counts = summary.data;
  return (
    <section className="review-page" aria-labelledby="review-title">
      <div className="queue-bar">
        <h1 id="review-title">Review</h1>
        <p className="queue-counts" data-testid="queue-counts">
          {counts ? (
            <>
              <strong>{counts.total}</strong> waiting · {counts.uncertain} uncertain · {counts.defect} defect
              {counts.claimedByOthers > 0 && <> · {counts.claimedByOthers} with other reviewers</>}
            </>
          ) : (
            'Counting…'
          )}
        </p>
        <div className="mode-switch" role="group" aria-label="Mode">
          <button type="button" aria-pressed={mode === 'single'} onClick={() => update(filters, 'single')}>
            One by one
          </button>
          <button type="button" aria-pressed={mode === 'grid'} onClick={() => update(filters, 'grid')}>
            Grid (g)
          </button>
        </div>
      </div>
      <FilterBar values={filters} verdicts={['uncertain', 'defect']} onChange={(next) => update(next)} />
      {mode === 'grid' ? (
        <GridTriage filters={filters} onSingle={() => update(filters, 'single')} />
      ) : (
        <ReviewStation filters={filters} queueTotal={counts?.total} onGrid={() => update(filters, 'grid')} />
      )}
    </section>
  );
}
