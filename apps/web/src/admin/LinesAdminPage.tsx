import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../api/client';
import { useLines } from '../app/queries';
import { ErrorText } from './errors';

/** Every production line, and a form to add one (its settings and cameras are on the line's page). */
export function LinesAdminPage() {
  const lines = useLines();
  const client = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [verdictMode, setVerdictMode] = useState<'sync' | 'async'>('sync');
  const [deadline, setDeadline] = useState('200');
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/lines', {
          body: { name, description, verdictMode, verdictDeadlineMs: Number(deadline) },
        }),
      ),
    onSuccess: async (line) => {
      await client.invalidateQueries({ queryKey: ['lines'] });
      void navigate(`/admin/lines/${line.id}`);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };

  return (
    <section aria-labelledby="lines-title">
      <h1 id="lines-title">Lines and cameras</h1>
      <ErrorText error={lines.error} />
      <table data-testid="admin-lines">
        <caption className="sr-only">Production lines</caption>
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Verdict mode</th>
            <th scope="col">Deadline</th>
            <th scope="col">Defect types</th>
            <th scope="col">Webhook</th>
          </tr>
        </thead>
        <tbody>
          {lines.data?.map((line) => (
            <tr key={line.id}>
              <th scope="row">
                <Link to={`/admin/lines/${line.id}`}>{line.name}</Link>
              </th>
              <td>{line.verdictMode}</td>
              <td>{line.verdictDeadlineMs} ms</td>
              <td>{line.defectTypes.join(', ') || '—'}</td>
              <td>{line.webhookUrl ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {lines.data?.length === 0 && <p>No lines yet.</p>}

      <form className="admin-form" aria-labelledby="new-line-title" onSubmit={submit}>
        <h2 id="new-line-title">New line</h2>
        <label htmlFor="line-name">Name</label>
        <input
          id="line-name"
          required
          pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}"
          title="1-64 letters, digits, . _ -"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <label htmlFor="line-description">Description</label>
        <input
          id="line-description"
          maxLength={500}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <label htmlFor="line-mode">Verdict mode</label>
        <select
          id="line-mode"
          value={verdictMode}
          onChange={(e) => setVerdictMode(e.target.value as 'sync' | 'async')}
        >
          <option value="sync">sync — the upload waits for its verdict</option>
          <option value="async">async — the verdict comes later (webhook, console)</option>
        </select>
        <label htmlFor="line-deadline">Verdict deadline (ms)</label>
        <input
          id="line-deadline"
          type="number"
          min={1}
          max={60000}
          required
          value={deadline}
          onChange={(e) => setDeadline(e.target.value)}
        />
        <ErrorText error={create.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create line
        </button>
      </form>
    </section>
  );
}
