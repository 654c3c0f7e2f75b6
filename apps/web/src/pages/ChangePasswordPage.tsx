import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, unwrap } from '../api/client';
import { SESSION_KEY } from '../app/session';

/**
 * Shown in place of every page while the password is a temporary one an administrator set: the server refuses
 * everything else (403 password_change_required) until it is changed.
 */
export function ChangePasswordPage() {
  const client = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const change = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/v1/auth/password', { body: { currentPassword: current, newPassword: next } })),
    onSuccess: () => client.invalidateQueries({ queryKey: SESSION_KEY }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate();
  };
  return (
    <section aria-labelledby="change-title" className="signin">
      <h1 id="change-title">Choose a new password</h1>
      <p>Your password was set by an administrator. Choose your own before you continue.</p>
      <form aria-labelledby="change-title" onSubmit={submit}>
        <label htmlFor="current-password">Temporary password</label>
        <input
          id="current-password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
        />
        <label htmlFor="chosen-password">New password (at least 10 characters)</label>
        <input
          id="chosen-password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          maxLength={200}
          value={next}
          onChange={(e) => setNext(e.target.value)}
        />
        {change.error && (
          <p role="alert" className="error">
            {change.error.message}
          </p>
        )}
        <button type="submit" className="primary" disabled={change.isPending}>
          Set my password
        </button>
      </form>
    </section>
  );
}
