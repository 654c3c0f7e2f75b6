import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../api/client';
import type { Role, UserDto } from '../api/types';
import { ROLE_LABELS, useSession } from '../app/session';
import { formatTime } from '../components/format';
import { ErrorText } from './errors';
import { SecretReveal } from './SecretReveal';

const ROLES: Role[] = ['qa', 'ml_engineer', 'admin'];
const PEOPLE_KEY = ['users'];

interface Revealed {
  label: string;
  secret: string;
}

/** People: add one (with a temporary password shown once), change roles, reset passwords, disable or enable. */
export function PeoplePage() {
  const client = useQueryClient();
  const me = useSession().data?.user.id;
  const people = useQuery({ queryKey: PEOPLE_KEY, queryFn: () => unwrap(api.GET('/api/v1/users')) });
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('qa');
  const refresh = () => client.invalidateQueries({ queryKey: PEOPLE_KEY });
  const create = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/v1/users', { body: { email, displayName, role, temporaryPassword: true } })),
    onSuccess: async (created) => {
      setRevealed({
        label: `Temporary password of ${created.user.email}`,
        secret: created.temporaryPassword ?? '',
      });
      setEmail('');
      setDisplayName('');
      await refresh();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };

  return (
    <section aria-labelledby="people-title">
      <h1 id="people-title">People</h1>
      <ErrorText error={people.error} />
      {revealed && (
        <SecretReveal label={revealed.label} secret={revealed.secret} onDone={() => setRevealed(null)} />
      )}
      <table data-testid="admin-people">
        <caption className="sr-only">People and their roles</caption>
        <thead>
          <tr>
            <th scope="col">Person</th>
            <th scope="col">Role</th>
            <th scope="col">State</th>
            <th scope="col">Last sign-in</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {people.data?.map((person) => (
            <PersonRow
              key={person.id}
              person={person}
              isMe={person.id === me}
              onChanged={refresh}
              onReset={setRevealed}
            />
          ))}
        </tbody>
      </table>

      <form className="admin-form" aria-labelledby="new-person-title" onSubmit={submit}>
        <h2 id="new-person-title">Add a person</h2>
        <label htmlFor="person-email">Email</label>
        <input
          id="person-email"
          type="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="person-name">Name</label>
        <input
          id="person-name"
          required
          maxLength={200}
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
        />
        <label htmlFor="person-role">Role</label>
        <select id="person-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </select>
        <p className="hint">
          They get a temporary password, shown once, which they change at their first sign-in.
        </p>
        <ErrorText error={create.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Add person
        </button>
      </form>
    </section>
  );
}

function PersonRow({
  person,
  isMe,
  onChanged,
  onReset,
}: {
  person: UserDto;
  isMe: boolean;
  onChanged: () => Promise<void>;
  onReset: (revealed: Revealed) => void;
}) {
  const update = useMutation({
    mutationFn: (body: { role?: Role; disabled?: boolean }) =>
      unwrap(api.PATCH('/api/v1/users/{id}', { params: { path: { id: person.id } }, body })),
    onSettled: onChanged,
  });
  const reset = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/v1/users/{id}/password-reset', { params: { path: { id: person.id } } })),
    onSuccess: async (answer) => {
      onReset({ label: `Temporary password of ${person.email}`, secret: answer.temporaryPassword });
      await onChanged();
    },
  });
  const who = `${person.displayName} (${person.email})`;
  return (
    <tr data-testid="person-row" data-email={person.email}>
      <th scope="row">
        {person.displayName}
        {isMe && ' (you)'}
        <br />
        <span className="muted">{person.email}</span>
      </th>
      <td>
        <label className="sr-only" htmlFor={`role-${person.id}`}>
          Role of {who}
        </label>
        <select
          id={`role-${person.id}`}
          value={person.role}
          disabled={update.isPending}
          onChange={(e) => update.mutate({ role: e.target.value as Role })}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </select>
      </td>
      <td>
        {person.disabled ? 'disabled' : 'active'}
        {person.mustChangePassword && !person.disabled && (
          <span className="muted"> · temporary password</span>
        )}
      </td>
      <td>{person.lastSignInAt ? formatTime(person.lastSignInAt) : 'never'}</td>
      <td className="actions">
        <button
          type="button"
          aria-label={`Reset password of ${who}`}
          disabled={reset.isPending}
          onClick={() => {
            if (window.confirm(`Reset the password of ${person.email}? Their sessions end.`)) reset.mutate();
          }}
        >
          Reset password
        </button>{' '}
        <button
          type="button"
          aria-label={`${person.disabled ? 'Enable' : 'Disable'} ${who}`}
          disabled={update.isPending}
          onClick={() => {
            if (person.disabled) update.mutate({ disabled: false });
            else if (
              window.confirm(`Disable ${person.email}? Their sessions and tokens stop working at once.`)
            )
              update.mutate({ disabled: true });
          }}
        >
          {person.disabled ? 'Enable' : 'Disable'}
        </button>
        <ErrorText error={update.error ?? reset.error} />
      </td>
    </tr>
  );
}
