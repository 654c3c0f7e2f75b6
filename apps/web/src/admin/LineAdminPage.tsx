import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { LineDto } from '../api/types';
import { useCameras } from '../app/queries';
import { formatTime } from '../components/format';
import { CamerasPanel } from './CamerasPanel';
import { ErrorText } from './errors';
import { SecretReveal } from './SecretReveal';

/** One line's settings and webhook, and its cameras with their keys. */
export function LineAdminPage() {
  const { id = '' } = useParams();
  const line = useQuery({
    queryKey: ['line', id],
    queryFn: () => unwrap(api.GET('/api/v1/lines/{id}', { params: { path: { id } } })),
  });
  const cameras = useCameras(id);
  return (
    <section aria-labelledby="line-title">
      <p>
        <Link to="/admin/lines">← All lines</Link>
      </p>
      <h1 id="line-title">Line {line.data?.name ?? '…'}</h1>
      <ErrorText error={line.error} />
      {line.data && <LineSettings key={line.data.id} line={line.data} />}
      {line.data && <WebhookTest line={line.data} />}
      {line.data && <CamerasPanel lineId={id} cameras={cameras.data ?? []} error={cameras.error} />}
      {line.data && <p className="muted">Created {formatTime(line.data.createdAt)}</p>}
    </section>
  );
}

/** A number input's value as the API wants it: blank is null (the model's own value applies). */
function optionalNumber(text: string): number | null {
  return text.trim() === '' ? null : Number(text);
}
const text = (value: number | null) => (value === null ? '' : String(value));

function LineSettings({ line }: { line: LineDto }) {
  const client = useQueryClient();
  const [name, setName] = useState(line.name);
  const [description, setDescription] = useState(line.description);
  const [verdictMode, setVerdictMode] = useState(line.verdictMode);
  const [deadline, setDeadline] = useState(String(line.verdictDeadlineMs));
  const [threshold, setThreshold] = useState(text(line.operatingThreshold));
  const [low, setLow] = useState(text(line.uncertainLow));
  const [high, setHigh] = useState(text(line.uncertainHigh));
  const [defectTypes, setDefectTypes] = useState(line.defectTypes.join(', '));
  const [webhookUrl, setWebhookUrl] = useState(line.webhookUrl ?? '');
  const [okDays, setOkDays] = useState(text(line.retainOkDays));
  const [flaggedDays, setFlaggedDays] = useState(text(line.retainFlaggedDays));
  const [reviewedDays, setReviewedDays] = useState(text(line.retainReviewedDays));
  const [secret, setSecret] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH('/api/v1/lines/{id}', {
          params: { path: { id: line.id } },
          body: {
            name,
            description,
            verdictMode,
            verdictDeadlineMs: Number(deadline),
            operatingThreshold: optionalNumber(threshold),
            uncertainLow: optionalNumber(low),
            uncertainHigh: optionalNumber(high),
            defectTypes: defectTypes
              .split(',')
              .map((t) => t.trim())
              .filter(Boolean),
            webhookUrl: webhookUrl.trim() === '' ? null : webhookUrl.trim(),
            retainOkDays: optionalNumber(okDays),
            retainFlaggedDays: optionalNumber(flaggedDays),
            retainReviewedDays: optionalNumber(reviewedDays),
          },
        }),
      ),
    onSuccess: (saved) => {
      setSecret(saved.webhookSecret ?? null);
      client.setQueryData(['line', line.id], saved);
      void client.invalidateQueries({ queryKey: ['lines'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const band = { type: 'number', min: 0, max: 1, step: 'any' } as const;
  const days = { type: 'number', min: 1, max: 36500, step: 1 } as const;
  return (
    <form className="admin-form" aria-labelledby="settings-title" onSubmit={submit}>
      <h2 id="settings-title">Settings</h2>
      <label htmlFor="s-name">Name</label>
      <input id="s-name" required value={name} onChange={(e) => setName(e.target.value)} />
      <label htmlFor="s-description">Description</label>
      <input id="s-description" value={description} onChange={(e) => setDescription(e.target.value)} />
      <label htmlFor="s-mode">Verdict mode</label>
      <select
        id="s-mode"
        value={verdictMode}
        onChange={(e) => setVerdictMode(e.target.value as LineDto['verdictMode'])}
      >
        <option value="sync">sync — the upload waits for its verdict</option>
        <option value="async">async — the verdict comes later</option>
      </select>
      <label htmlFor="s-deadline">Verdict deadline (ms)</label>
      <input
        id="s-deadline"
        type="number"
        min={1}
        max={60000}
        required
        value={deadline}
        onChange={(e) => setDeadline(e.target.value)}
      />
      <fieldset>
        <legend>Decision overrides (blank: the model&apos;s own)</legend>
        <label htmlFor="s-threshold">Operating threshold</label>
        <input id="s-threshold" {...band} value={threshold} onChange={(e) => setThreshold(e.target.value)} />
        <label htmlFor="s-low">Uncertain band, low</label>
        <input id="s-low" {...band} value={low} onChange={(e) => setLow(e.target.value)} />
        <label htmlFor="s-high">Uncertain band, high</label>
        <input id="s-high" {...band} value={high} onChange={(e) => setHigh(e.target.value)} />
      </fieldset>
      <fieldset>
        <legend>
          Image retention in days (blank: the product-wide default, 30 / 180 / 730 unless the installation
          sets others)
        </legend>
        <label htmlFor="s-retain-ok">Judged ok</label>
        <input id="s-retain-ok" {...days} value={okDays} onChange={(e) => setOkDays(e.target.value)} />
        <label htmlFor="s-retain-flagged">Judged defect or uncertain</label>
        <input
          id="s-retain-flagged"
          {...days}
          value={flaggedDays}
          onChange={(e) => setFlaggedDays(e.target.value)}
        />
        <label htmlFor="s-retain-reviewed">Reviewed</label>
        <input
          id="s-retain-reviewed"
          {...days}
          value={reviewedDays}
          onChange={(e) => setReviewedDays(e.target.value)}
        />
        <p className="muted">
          Images in a frozen label set that a model was trained on are kept regardless. The rows (verdict,
          score, reviews) stay after their image is deleted.
        </p>
      </fieldset>
      <label htmlFor="s-defects">Defect types (comma-separated, review keys 1–9 in this order)</label>
      <input
        id="s-defects"
        value={defectTypes}
        placeholder="crack, blowhole"
        onChange={(e) => setDefectTypes(e.target.value)}
      />
      <label htmlFor="s-webhook">Webhook URL (blank: none)</label>
      <input
        id="s-webhook"
        type="url"
        value={webhookUrl}
        placeholder="https://mes.example.com/linescope"
        onChange={(e) => setWebhookUrl(e.target.value)}
      />
      <ErrorText error={save.error} />
      <div>
        <button type="submit" className="primary" disabled={save.isPending}>
          Save settings
        </button>{' '}
        <span role="status">{save.isSuccess ? 'Saved.' : ''}</span>
      </div>
      {secret && (
        <SecretReveal
          label="Webhook signing secret (HMAC-SHA256)"
          secret={secret}
          onDone={() => setSecret(null)}
        />
      )}
    </form>
  );
}

function WebhookTest({ line }: { line: LineDto }) {
  const test = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/v1/lines/{id}/webhook/test', { params: { path: { id: line.id } } })),
  });
  const result = test.data;
  return (
    <section aria-labelledby="webhook-title" className="admin-panel">
      <h2 id="webhook-title">Webhook</h2>
      {line.webhookUrl ? (
        <p>
          Inspections are posted to <code>{line.webhookUrl}</code>, signed with the line&apos;s secret
          (X-Linescope-Signature).
        </p>
      ) : (
        <p>No webhook set: save a webhook URL above first.</p>
      )}
      <button type="button" onClick={() => test.mutate()} disabled={!line.webhookUrl || test.isPending}>
        {test.isPending ? 'Sending…' : 'Send test event'}
      </button>
      <ErrorText error={test.error} />
      <p role="status" data-testid="webhook-result">
        {result &&
          (result.delivered
            ? `Delivered: HTTP ${result.httpStatus} in ${result.latencyMs} ms.`
            : `Not delivered: ${result.error ?? 'unknown error'} (after ${result.latencyMs} ms).`)}
      </p>
    </section>
  );
}
