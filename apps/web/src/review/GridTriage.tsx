import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useHotkeys } from 'react-hotkeys-hook';
import { api, unwrap } from '../api/client';
import { VerdictBadge } from '../components/VerdictBadge';
import { claimFilter, type QueueFilters } from './filters';

const GRID_SIZE = 48;

interface Props {
  filters: QueueFilters;
  onSingle: () => void;
}

/** Triage: many thumbnails at once (claimed, so no one else gets them), select several, mark them all OK. */
export function GridTriage({ filters, onSingle }: Props) {
  const client = useQueryClient();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [announcement, setAnnouncement] = useState('');
  const batch = useQuery({
    queryKey: ['grid-claim', filters],
    queryFn: () =>
      unwrap(api.POST('/api/v1/review-queue/claim', { body: { ...claimFilter(filters), limit: GRID_SIZE } })),
    staleTime: 60_000,
    gcTime: 0,
  });
  const items = batch.data?.items ?? [];
  const markOk = useMutation({
    mutationFn: async (ids: string[]) => {
      await Promise.all(
        ids.map((id) =>
          unwrap(
            api.POST('/api/v1/inspections/{id}/reviews', {
              params: { path: { id } },
              body: { decision: 'ok' },
            }),
          ),
        ),
      );
      return ids.length;
    },
    onSuccess: async (count) => {
      setAnnouncement(`Marked ${count} items OK.`);
      setSelected(new Set());
      await client.invalidateQueries({ queryKey: ['grid-claim'] });
      await client.invalidateQueries({ queryKey: ['queue-summary'] });
    },
  });
  const toggle = (id: string) =>
    setSelected((all) => {
      const next = new Set(all);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  useHotkeys('g', onSingle, [onSingle]);
  useHotkeys('a', () => setSelected(new Set(items.map((item) => item.id))), [items]);

  return (
    <div className="grid-triage">
      <p className="sr-only" role="status" aria-live="polite">
        {announcement}
      </p>
      <div className="grid-actions">
        <button type="button" onClick={() => setSelected(new Set(items.map((item) => item.id)))}>
          Select all <kbd>a</kbd>
        </button>
        <button type="button" onClick={() => setSelected(new Set())} disabled={selected.size === 0}>
          Clear selection
        </button>
        <button
          type="button"
          className="primary"
          disabled={selected.size === 0 || markOk.isPending}
          onClick={() => markOk.mutate([...selected])}
        >
          Mark {selected.size} selected OK
        </button>
        <button type="button" onClick={onSingle}>
          One by one <kbd>g</kbd>
        </button>
      </div>
      {markOk.error && (
        <p role="alert" className="error">
          {markOk.error.message}
        </p>
      )}
      {batch.isPending ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p data-testid="queue-empty">Nothing waiting for review.</p>
      ) : (
        <ul className="thumb-grid" aria-label="Items waiting for review">
          {items.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                className="thumb"
                aria-pressed={selected.has(item.id)}
                onClick={() => toggle(item.id)}
                data-testid="grid-item"
              >
                <img src={item.thumbnailUrl} alt="" loading="lazy" width={160} height={160} />
                <span>
                  {item.productSerial ?? 'No serial'} <VerdictBadge verdict={item.verdict} />{' '}
                  {item.score?.toFixed(2)}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
