import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { usePollInterval } from '../app/live-events';
import { formatMs, formatTime, totalLatencyMs } from '../components/format';
import { ImageViewer } from '../components/ImageViewer';
import { ReviewList } from '../components/ReviewList';
import { VerdictBadge } from '../components/VerdictBadge';

/** One inspection: the image with its heatmap, what the model said, and every review. */
export function InspectionPage() {
  const { id = '' } = useParams();
  const poll = usePollInterval();
  const [zoom, setZoom] = useState(1);
  const inspection = useQuery({
    queryKey: ['inspection', id],
    queryFn: () => unwrap(api.GET('/api/v1/inspections/{id}', { params: { path: { id } } })),
    refetchInterval: (query) => (query.state.data?.heatmapUrl ? false : poll),
  });
  const reviews = useQuery({
    queryKey: ['reviews', id],
    queryFn: () => unwrap(api.GET('/api/v1/inspections/{id}/reviews', { params: { path: { id } } })),
  });
  if (inspection.isPending) return <p>Loading…</p>;
  if (inspection.isError)
    return (
      <p role="alert" className="error">
        {inspection.error.message}
      </p>
    );
  const item = inspection.data;
  return (
    <section aria-labelledby="item-title" className="item-page">
      <p>
        <Link to={`/inspections?lineId=${item.lineId}`}>← Inspections of this line</Link>
      </p>
      <h1 id="item-title">
        {item.productSerial ?? 'Inspection'} <VerdictBadge verdict={item.verdict} />
      </h1>
      <div className="station">
        <ImageViewer
          imageUrl={item.imageUrl}
          heatmapUrl={item.heatmapUrl}
          alt={`Inspection image of ${item.productSerial ?? item.id}`}
          zoom={zoom}
          onZoomChange={setZoom}
        />
        <aside className="item-panel" aria-label="Details">
          <dl className="facts">
            <dt>Status</dt>
            <dd>{item.status}</dd>
            <dt>Score</dt>
            <dd>{item.score?.toFixed(3) ?? '—'}</dd>
            <dt>Received</dt>
            <dd>{formatTime(item.receivedAt)}</dd>
            <dt>Captured</dt>
            <dd>{formatTime(item.capturedAt)}</dd>
            <dt>Latency</dt>
            <dd>{formatMs(totalLatencyMs(item.latency))}</dd>
            <dt>Image</dt>
            <dd>
              {item.image.width} × {item.image.height} {item.image.format}
            </dd>
            {item.failureReason && (
              <>
                <dt>Failure</dt>
                <dd>{item.failureReason}</dd>
              </>
            )}
          </dl>
          <h2>Reviews</h2>
          <ReviewList reviews={reviews.data ?? []} />
        </aside>
      </div>
    </section>
  );
}
