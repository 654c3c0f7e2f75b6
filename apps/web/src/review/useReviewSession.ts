import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, unwrap } from '../api/client';
import type { ReviewDto, ReviewItemDto } from '../api/types';
import { claimFilter, type QueueFilters } from './filters';

const BATCH = 5;
/** Claim more when fewer undecided items than this are left ahead of the current one. */
const LOW_WATER = 3;
const PRELOAD_AHEAD = 3;

export type Decision = 'ok' | 'defect';

interface Decided {
  decision: Decision;
  defectType: string | null;
  review: Promise<ReviewDto>;
}

/** Downloads and decodes the next images, so showing one after a decision needs no network. */
function usePreload(items: ReviewItemDto[], index: number) {
  const cache = useRef(new Map<string, HTMLImageElement>());
  useEffect(() => {
    const wanted = new Set<string>();
    for (const item of items.slice(Math.max(0, index - 1), index + 1 + PRELOAD_AHEAD)) {
      wanted.add(item.imageUrl);
      if (!cache.current.has(item.imageUrl)) {
        const image = new Image();
        image.src = item.imageUrl;
        image.decode().catch(() => undefined);
        cache.current.set(item.imageUrl, image);
      }
    }
    for (const url of cache.current.keys()) if (!wanted.has(url)) cache.current.delete(url);
  }, [items, index]);
}

/**
 * One reviewer's working set: the items claimed for them (the claim is a POST with effects, so its answer is
 * held here, not in the query cache), where they are, what they decided, and undo as a correcting review.
 */
export function useReviewSession(filters: QueueFilters, queueTotal: number | undefined) {
  const client = useQueryClient();
  const [items, setItems] = useState<ReviewItemDto[]>([]);
  const [index, setIndex] = useState(0);
  const [decided, setDecided] = useState<Record<string, Decided>>({});
  const [history, setHistory] = useState<number[]>([]);
  const [claiming, setClaiming] = useState(false);
  const [exhaustedAt, setExhaustedAt] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const filterKey = JSON.stringify(filters);
  const held = useRef<string[]>([]);
  held.current = items.map((item) => item.id);

  const claim = useCallback(async () => {
    setClaiming(true);
    try {
      const body = { ...claimFilter(filters), limit: BATCH, exclude: held.current.slice(-200) };
      const { items: claimed } = await unwrap(api.POST('/api/v1/review-queue/claim', { body }));
      setItems((current) => {
        const known = new Set(current.map((item) => item.id));
        return [...current, ...claimed.filter((item) => !known.has(item.id))];
      });
      setExhaustedAt(claimed.length === 0 ? (queueTotal ?? 0) : null);
      setError(null);
    } catch (failure) {
      setError(`Could not claim items: ${(failure as Error).message}`);
    } finally {
      setClaiming(false);
    }
    // filterKey stands for filters
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filterKey, queueTotal]);

  // A new filter starts a new working set; what was held is released for others.
  useEffect(() => {
    setItems([]);
    setIndex(0);
    setDecided({});
    setHistory([]);
    setExhaustedAt(null);
    return () => {
      const undecided = held.current;
      if (undecided.length > 0)
        void api.POST('/api/v1/review-queue/release', { body: { inspectionIds: undecided } });
    };
  }, [filterKey]);

  const ahead = items.slice(index).filter((item) => !decided[item.id]).length;
  // Claim when running low; after an empty answer, again only once the queue's count has changed.
  useEffect(() => {
    if (claiming || ahead >= LOW_WATER) return;
    if (exhaustedAt !== null && exhaustedAt === (queueTotal ?? 0)) return;
    void claim();
  }, [ahead, claiming, claim, exhaustedAt, queueTotal]);

  usePreload(items, index);

  const current = items[index] as ReviewItemDto | undefined;
  const correcting = current ? decided[current.id] : undefined;

  const decide = useCallback(
    (decision: Decision, defectType: string | null, note: string) => {
      if (!current) return;
      const previous = decided[current.id];
      const review = (async () => {
        const supersedesReviewId = previous ? (await previous.review).id : undefined;
        return unwrap(
          api.POST('/api/v1/inspections/{id}/reviews', {
            params: { path: { id: current.id } },
            body: {
              decision,
              ...(defectType ? { defectType } : {}),
              ...(note ? { note } : {}),
              ...(supersedesReviewId ? { supersedesReviewId } : {}),
            },
          }),
        );
      })();
      review.then(
        () => void client.invalidateQueries({ queryKey: ['reviews', current.id] }),
        (failure: Error) => {
          setError(
            `The decision on ${current.productSerial ?? current.id} was not saved: ${failure.message}`,
          );
          setDecided((all) => {
            const { [current.id]: _dropped, ...rest } = all;
            return previous ? { ...rest, [current.id]: previous } : rest;
          });
        },
      );
      const label = decision === 'ok' ? 'OK' : `defect${defectType ? ` (${defectType})` : ''}`;
      setDecided((all) => ({ ...all, [current.id]: { decision, defectType, review } }));
      setHistory((all) => [...all, index]);
      setAnnouncement(`${previous ? 'Corrected' : 'Marked'} ${current.productSerial ?? 'item'} ${label}.`);
      const next = items.findIndex((item, i) => i > index && !decided[item.id]);
      setIndex(next === -1 ? items.length : next);
    },
    [client, current, decided, index, items],
  );

  const undo = useCallback(() => {
    const last = history.at(-1);
    if (last === undefined) {
      setAnnouncement('Nothing to undo.');
      return;
    }
    setHistory((all) => all.slice(0, -1));
    setIndex(last);
    const item = items[last];
    const before = decided[item.id];
    setAnnouncement(
      `Back to ${item.productSerial ?? 'item'}, marked ${before?.decision ?? ''}. Your next decision corrects it.`,
    );
  }, [decided, history, items]);

  const move = useCallback(
    (step: 1 | -1) => setIndex((i) => Math.min(items.length, Math.max(0, i + step))),
    [items.length],
  );

  return useMemo(
    () => ({
      current,
      correcting,
      index,
      count: items.length,
      ahead,
      claiming,
      error,
      announcement,
      decide,
      undo,
      move,
      reviewedCount: Object.keys(decided).length,
    }),
    [
      current,
      correcting,
      index,
      items.length,
      ahead,
      claiming,
      error,
      announcement,
      decide,
      undo,
      move,
      decided,
    ],
  );
}
