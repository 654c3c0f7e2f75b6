import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../api/client';
import type { CameraDto } from '../api/types';
import { formatTime } from '../components/format';
import { ErrorText } from './errors';
import { SecretReveal } from './SecretReveal';

interface Revealed {
  label: string;
  secret: string;
}

/** A line's cameras: create one (its key shown once), rotate or revoke keys, when each was last seen. */
export function CamerasPanel({
  lineId,
  cameras,
  error,
}: {
  lineId: string;
  cameras: CameraDto[];
  error: Error | null;
}) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [rate, setRate] = useState('');
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/lines/{id}/cameras', {
          params: { path: { id: lineId } },
          body: { name, ...(rate.trim() ? { rateLimitPerSecond: Number(rate) } : {}) },
        }),
      ),
    onSuccess: async (issued) => {
      setRevealed({ label: `API key of camera ${issued.camera.name}`, secret: issued.apiKey });
      setName('');
      setRate('');
      await client.invalidateQueries({ queryKey: ['cameras', lineId] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <section aria-labelledby="cameras-title" className="admin-panel">
      <h2 id="cameras-title">Cameras</h2>
      <ErrorText error={error} />
      {revealed && (
        <SecretReveal label={revealed.label} secret={revealed.secret} onDone={() => setRevealed(null)} />
      )}
      <table data-testid="admin-cameras">
        <caption className="sr-only">Cameras of this line</caption>
        <thead>
          <tr>
            <th scope="col">Camera</th>
            <th scope="col">Last seen</th>
            <th scope="col">Rate limit</th>
            <th scope="col">Keys</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {cameras.map((camera) => (
            <CameraRow key={camera.id} camera={camera} onIssued={setRevealed} />
          ))}
        </tbody>
      </table>
      {cameras.length === 0 && <p>No cameras yet.</p>}
      <form className="admin-form" aria-labelledby="new-camera-title" onSubmit={submit}>
        <h3 id="new-camera-title">New camera</h3>
        <label htmlFor="camera-name">Camera name</label>
        <input
          id="camera-name"
          required
          pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}"
          title="1-64 letters, digits, . _ -"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <label htmlFor="camera-rate">Uploads per second before 429 (blank: the server&apos;s default)</label>
        <input
          id="camera-rate"
          type="number"
          min={0.01}
          max={10000}
          step="any"
          value={rate}
          onChange={(e) => setRate(e.target.value)}
        />
        <ErrorText error={create.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create camera
        </button>
      </form>
    </section>
  );
}

function CameraRow({ camera, onIssued }: { camera: CameraDto; onIssued: (revealed: Revealed) => void }) {
  const client = useQueryClient();
  const keysKey = ['camera-keys', camera.id];
  const keys = useQuery({
    queryKey: keysKey,
    queryFn: () => unwrap(api.GET('/api/v1/cameras/{id}/keys', { params: { path: { id: camera.id } } })),
  });
  const rotate = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/cameras/{id}/keys', {
          params: { path: { id: camera.id } },
          body: { keepPrevious: false },
        }),
      ),
    onSuccess: async (issued) => {
      onIssued({ label: `New API key of camera ${camera.name}`, secret: issued.apiKey });
      await client.invalidateQueries({ queryKey: keysKey });
    },
  });
  const revoke = useMutation({
    mutationFn: (keyId: string) =>
      unwrap(
        api.POST('/api/v1/cameras/{id}/keys/{keyId}/revoke', {
          params: { path: { id: camera.id, keyId } },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: keysKey }),
  });
  const active = keys.data?.filter((key) => !key.revokedAt) ?? [];
  return (
    <tr data-testid="camera-row">
      <th scope="row">{camera.name}</th>
      <td>{camera.lastSeenAt ? formatTime(camera.lastSeenAt) : 'never'}</td>
      <td>{camera.rateLimitPerSecond === null ? 'default' : `${camera.rateLimitPerSecond}/s`}</td>
      <td>
        {active.length === 0 ? (
          <span>no active key</span>
        ) : (
          <ul className="plain">
            {active.map((key) => (
              <li key={key.id}>
                <code>{key.prefix}…</code>{' '}
                <button
                  type="button"
                  className="link"
                  aria-label={`Revoke key ${key.prefix} of ${camera.name}`}
                  disabled={revoke.isPending}
                  onClick={() => {
                    if (
                      window.confirm(`Revoke key ${key.prefix}…? The camera stops uploading with it at once.`)
                    )
                      revoke.mutate(key.id);
                  }}
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        )}
        <ErrorText error={keys.error ?? revoke.error} />
      </td>
      <td>
        <button
          type="button"
          aria-label={`Rotate key of ${camera.name}`}
          disabled={rotate.isPending}
          onClick={() => {
            if (window.confirm(`Issue a new key for ${camera.name}? Its current keys stop working at once.`))
              rotate.mutate();
          }}
        >
          Rotate key
        </button>
        <ErrorText error={rotate.error} />
      </td>
    </tr>
  );
}
