import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client';
import type { ReviewItemDto } from '../api/types';
import { usePollInterval } from '../app/live-events';
import { clampZoom, ImageViewer } from '../components/ImageViewer';
import { ReviewList } from '../components/ReviewList';
import { ScoreGauge } from '../components/ScoreGauge';
import { ShortcutSheet } from '../components/ShortcutSheet';
import { VerdictBadge } from '../components/VerdictBadge';
import { formatTime } from '../components/format';
import type { QueueFilters } from './filters';
import { useReviewSession } from './useReviewSession';

interface Props {
  filters: QueueFilters;
  queueTotal: number | undefined;
  onGrid: () => void;
}

/** A performance mark when an item's image is on screen (read by bench/web: navigation to first item shown). */
export const IMAGE_SHOWN_MARK = 'linescope:review-image-shown';
const markImageShown = () => performance.mark(IMAGE_SHOWN_MARK);

/** The item's live fields (the heatmap appears when rendered) and its reviews, refetched on events. */
function useLiveItem(item: ReviewItemDto | undefined) {
  const poll = usePollInterval();
  const inspection = useQuery({
    queryKey: ['inspection', item?.id],
    enabled: Boolean(item),
    queryFn: () => unwrap(api.GET('/api/v1/inspections/{id}', { params: { path: { id: item!.id } } })),
    initialData: item,
    refetchInterval: (query) => (query.state.data?.heatmapUrl ? false : poll),
  });
  const reviews = useQuery({
    queryKey: ['reviews', item?.id],
    enabled: Boolean(item),
    queryFn: () =>
      unwrap(api.GET('/api/v1/inspections/{id}/reviews', { params: { path: { id: item!.id } } })),
    initialData: item?.reviews,
  });
  return { heatmapUrl: inspection.data?.heatmapUrl ?? null, reviews: reviews.data ?? [] };
}

export function ReviewStation({ filters, queueTotal, onGrid }: Props) {
  const session = useReviewSession(filters, queueTotal);
  const { current, correcting } = session;
  const live = useLiveItem(current);
  const [zoom, setZoom] = useState(1);
  const [note, setNote] = useState('');
  const [noteOpen, setNoteOpen] = useState(false);
  const [sheetOpen, setSheetOpen] = useState(false);
  const noteInput = useRef<HTMLTextAreaElement>(null);
  const defectTypes = current?.line.defectTypes ?? [];

  const decide = (decision: 'ok' | 'defect', defectType: string | null = null) => {
    session.decide(decision, defectType, note.trim());
    setNote('');
    setNoteOpen(false);
    setZoom(1);
  };
  const enabled = { enabled: !sheetOpen && !noteOpen };
  useHotkeys('o', () => decide('ok'), enabled, [decide]);
  useHotkeys('d', () => decide('defect'), enabled, [decide]);
  useHotkeys(
    '1,2,3,4,5,6,7,8,9',
    (event) => {
      const type = defectTypes[Number(event.key) - 1];
      if (type) decide('defect', type);
    },
    enabled,
    [decide, defectTypes],
  );
  useHotkeys(
    'n',
    () => {
      setNoteOpen(true);
      setTimeout(() => noteInput.current?.focus(), 0);
    },
    { ...enabled, preventDefault: true },
  );
  useHotkeys('j,right', () => session.move(1), enabled, [session.move]);
  useHotkeys('k,left', () => session.move(-1), enabled, [session.move]);
  useHotkeys('z', () => session.undo(), enabled, [session.undo]);
  useHotkeys('g', onGrid, enabled, [onGrid]);
  useHotkeys('shift+slash, shift+?, ?', () => setSheetOpen(true), { enabled: !noteOpen, useKey: true });
  useHotkeys('equal, shift+equal, +', () => setZoom((z) => clampZoom(z * 1.5)), { ...enabled, useKey: true });
  useHotkeys('minus, -', () => setZoom((z) => clampZoom(z / 1.5)), { ...enabled, useKey: true });
  useHotkeys('0', () => setZoom(1), enabled);

  return (
    <div className="station">
      <p className="sr-only" role="status" aria-live="polite" data-testid="announcer">
        {session.announcement}
      </p>
      {session.error && (
        <p role="alert" className="error">
          {session.error}
        </p>
      )}
      {!current ? (
        <div className="empty" data-testid="queue-empty">
          <h2>{session.claiming ? 'Loading the next items…' : 'Nothing waiting for review'}</h2>
          <p>
            {session.reviewedCount > 0 && <>You reviewed {session.reviewedCount} items. </>}
            New flagged items appear here as they arrive.
          </p>
          {session.reviewedCount > 0 && <p>Press z to go back to your last decision.</p>}
        </div>
      ) : (
        <>
          <ImageViewer
            imageUrl={current.imageUrl}
            heatmapUrl={live.heatmapUrl}
            alt={`Inspection image of ${current.productSerial ?? current.id}`}
            zoom={zoom}
            onZoomChange={setZoom}
            onImageLoad={markImageShown}
          />
          <aside className="item-panel" aria-label="Item" data-testid="review-item" data-id={current.id}>
            <h2>
              {current.productSerial ?? 'No serial'} <VerdictBadge verdict={current.verdict} />
            </h2>
            {correcting && (
              <p className="correcting" role="note">
                Correcting your earlier decision: <strong>{correcting.decision}</strong>
                {correcting.defectType ? ` (${correcting.defectType})` : ''}
              </p>
            )}
            <ScoreGauge
              score={current.score}
              threshold={current.decision.threshold}
              low={current.decision.uncertainLow}
              high={current.decision.uncertainHigh}
              source={current.decision.source}
            />
            <dl className="facts">
              <dt>Model</dt>
              <dd>{current.model ? `${current.model.name} v${current.model.version}` : '—'}</dd>
              <dt>Line</dt>
              <dd>{current.line.name}</dd>
              <dt>Camera</dt>
              <dd>{current.cameraName}</dd>
              <dt>Captured</dt>
              <dd>{formatTime(current.capturedAt ?? current.receivedAt)}</dd>
            </dl>
            <div className="decisions" role="group" aria-label="Decision">
              <button type="button" className="ok" onClick={() => decide('ok')}>
                OK <kbd>o</kbd>
              </button>
              <button type="button" className="defect" onClick={() => decide('defect')}>
                Defect <kbd>d</kbd>
              </button>
              {defectTypes.slice(0, 9).map((type, i) => (
                <button key={type} type="button" onClick={() => decide('defect', type)}>
                  {type} <kbd>{i + 1}</kbd>
                </button>
              ))}
            </div>
            {noteOpen ? (
              <form
                className="note"
                onSubmit={(e) => {
                  e.preventDefault();
                  setNoteOpen(false);
                }}
              >
                <label htmlFor="review-note">Note for the next decision</label>
                <textarea
                  id="review-note"
                  ref={noteInput}
                  value={note}
                  maxLength={2000}
                  onChange={(e) => setNote(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === 'Escape' || (e.key === 'Enter' && !e.shiftKey)) {
                      e.preventDefault();
                      setNoteOpen(false);
                    }
                  }}
                />
                <button type="submit">Keep note</button>
              </form>
            ) : (
              <p className="muted">
                {note ? <>Note: “{note}” </> : null}
                <button type="button" className="link" onClick={() => setNoteOpen(true)}>
                  {note ? 'Edit note' : 'Add a note'} <kbd>n</kbd>
                </button>
              </p>
            )}
            <div className="nav-buttons">
              <button type="button" onClick={() => session.move(-1)} disabled={session.index === 0}>
                Previous <kbd>k</kbd>
              </button>
              <button type="button" onClick={() => session.move(1)}>
                Next <kbd>j</kbd>
              </button>
              <button type="button" onClick={() => session.undo()}>
                Undo <kbd>z</kbd>
              </button>
              <button type="button" onClick={() => setSheetOpen(true)}>
                Shortcuts <kbd>?</kbd>
              </button>
            </div>
            <h3>Earlier reviews</h3>
            <ReviewList reviews={live.reviews} />
            <p>
              <Link to={`/inspections/${current.id}`}>Open the item page</Link>
            </p>
          </aside>
        </>
      )}
      <ShortcutSheet open={sheetOpen} onClose={() => setSheetOpen(false)} />
    </div>
  );
}
