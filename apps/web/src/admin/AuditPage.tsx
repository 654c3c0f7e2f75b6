import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { formatTime } from '../components/format';
import { ErrorText } from './errors';

const PAGE = 50;
const FILTERS = ['actorId', 'action', 'targetType', 'targetId', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** Actions the product records, offered as suggestions (any exact action can be typed). */
const KNOWN_ACTIONS = [
  'user.create',
  'user.role.change',
  'user.disable',
  'user.enable',
  'user.password.reset',
  'line.create',
  'line.update',
  'line.webhook.test',
  'camera.create',
  'camera.key.rotate',
  'camera.key.revoke',
  'model.register',
  'model.promote',
  'model.rollback',
  'model.shadow.start',
  'model.shadow.stop',
  'training.create',
  'training.cancel',
];
const TARGET_TYPES = ['user', 'production_line', 'camera', 'model_version', 'training_job'];

/** `datetime-local` (the browser's local time) to the API's ISO instant, and back. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);
function toLocal(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** The audit log, newest first; the filters live in the URL, so a filtered view can be shared. */
export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const filters: Filters = Object.fromEntries(
    FILTERS.flatMap((key) => (params.get(key) ? [[key, params.get(key)!]] : [])),
  );
  const [draft, setDraft] = useState<Filters>(filters);
  const people = useQuery({ queryKey: ['users'], queryFn: () => unwrap(api.GET('/api/v1/users')) });
  const pages = useInfiniteQuery({
    queryKey: ['audit', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/audit-events', {
          params: { query: { ...filters, limit: PAGE, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = pages.data?.pages.flatMap((page) => page.items) ?? [];
  const set = (key: keyof Filters, value: string | undefined) =>
    setDraft({ ...draft, [key]: value || undefined });
  const apply = (event: FormEvent) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const key of FILTERS) if (draft[key]) next.set(key, draft[key]);
    setParams(next);
  };
  const clear = () => {
    setDraft({});
    setParams(new URLSearchParams());
  };

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form className="filters audit-filters" aria-label="Audit filters" onSubmit={apply}>
        <span>
          <label htmlFor="f-actor">Actor</label>
          <select id="f-actor" value={draft.actorId ?? ''} onChange={(e) => set('actorId', e.target.value)}>
            <option value="">anyone</option>
            {people.data?.map((person) => (
              <option key={person.id} value={person.id}>
                {person.email}
              </option>
            ))}
          </select>
        </span>
        <span>
          <label htmlFor="f-action">Action</label>
          <input
            id="f-action"
            list="known-actions"
            value={draft.action ?? ''}
            onChange={(e) => set('action', e.target.value)}
          />
          <datalist id="known-actions">
            {KNOWN_ACTIONS.map((action) => (
              <option key={action} value={action} />
            ))}
          </datalist>
        </span>
        <span>
          <label htmlFor="f-target-type">Target type</label>
          <select
            id="f-target-type"
            value={draft.targetType ?? ''}
            onChange={(e) => set('targetType', e.target.value)}
          >
            <option value="">any</option>
            {TARGET_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </span>
        <span>
          <label htmlFor="f-target-id">Target id</label>
          <input
            id="f-target-id"
            value={draft.targetId ?? ''}
            onChange={(e) => set('targetId', e.target.value)}
          />
        </span>
        <span>
          <label htmlFor="f-from">From</label>
          <input
            id="f-from"
            type="datetime-local"
            value={toLocal(draft.from)}
            onChange={(e) => set('from', toIso(e.target.value))}
          />
        </span>
        <span>
          <label htmlFor="f-to">To</label>
          <input
            id="f-to"
            type="datetime-local"
            value={toLocal(draft.to)}
            onChange={(e) => set('to', toIso(e.target.value))}
          />
        </span>
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </form>
      <ErrorText error={pages.error} />
      <table data-testid="audit-table">
        <caption className="sr-only">Audit events, newest first</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((event) => (
            <tr key={event.id} data-testid="audit-row">
              <td>{formatTime(event.createdAt)}</td>
              <td>
                {event.actorEmail ??
                  (event.actorId ? `${event.actorType} ${event.actorId}` : event.actorType)}
              </td>
              <td>
                <code>{event.action}</code>
              </td>
              <td>
                {event.targetType ?? '—'}
                {event.targetId && (
                  <>
                    <br />
                    <span className="muted">{event.targetId}</span>
                  </>
                )}
              </td>
              <td>
                <code className="details">{JSON.stringify(event.details)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {!pages.isPending && rows.length === 0 && <p>No events match these filters.</p>}
      {pages.hasNextPage && (
        <button type="button" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
          {pages.isFetchingNextPage ? 'Loading…' : 'Load older events'}
        </button>
      )}
    </section>
  );
}
