import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, unwrap } from '../api/client';
import type { MeDto, SessionDto } from '../api/types';
import { useSession, useSetSession } from '../app/session';

function errorText(error: Error | null): string | null {
  if (!error) return null;
  if (error instanceof ApiError && error.code === 'invalid_credentials') return 'Wrong email or password.';
  if (error instanceof ApiError && error.code === 'too_many_attempts')
    return 'Too many failed attempts. Wait a few minutes and try again.';
  return error.message;
}

function login(email: string, password: string): Promise<SessionDto> {
  return unwrap(api.POST('/api/v1/auth/login', { body: { email, password } }));
}

/** Sets the token owner's password with the token, then signs in with the email the server returns. */
async function setPasswordWithToken(token: string, newPassword: string): Promise<SessionDto> {
  const headers = { authorization: `Bearer ${token.trim()}` };
  const answer = (await unwrap(api.POST('/api/v1/auth/password', { body: { newPassword }, headers }))) as
    MeDto | undefined;
  const me = answer?.email ? answer : await unwrap(api.GET('/api/v1/users/me', { headers }));
  return login(me.email, newPassword);
}

export function SignInPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const session = useSession();
  const setSession = useSetSession();
  const next = params.get('next')?.startsWith('/') ? params.get('next')! : '/review';
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [newPassword, setNewPassword] = useState('');

  const onSignedIn = (value: SessionDto) => {
    setSession(value);
    void navigate(next, { replace: true });
  };
  const signIn = useMutation({ mutationFn: () => login(email, password), onSuccess: onSignedIn });
  const setup = useMutation({
    mutationFn: () => setPasswordWithToken(token, newPassword),
    onSuccess: onSignedIn,
  });

  useEffect(() => {
    if (session.data) void navigate(next, { replace: true });
  }, [session.data, navigate, next]);

  const submit = (event: FormEvent, action: () => void) => {
    event.preventDefault();
    action();
  };
  const signInError = errorText(signIn.error);
  const setupError = errorText(setup.error);

  return (
    <main id="main" className="signin">
      <h1>Linescope</h1>
      <form aria-labelledby="signin-title" onSubmit={(e) => submit(e, () => signIn.mutate())}>
        <h2 id="signin-title">Sign in</h2>
        <label htmlFor="email">Email</label>
        <input
          id="email"
          type="email"
          autoComplete="username"
          required
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {signInError && (
          <p role="alert" className="error">
            {signInError}
          </p>
        )}
        <button type="submit" className="primary" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <details className="setup">
        <summary>First administrator: set a password with a setup token</summary>
        <form aria-labelledby="setup-title" onSubmit={(e) => submit(e, () => setup.mutate())}>
          <h2 id="setup-title">Set a password</h2>
          <p className="hint">
            The token is in <code>data/initial-admin-token</code> on the server.
          </p>
          <label htmlFor="setup-token">Setup token</label>
          <input
            id="setup-token"
            type="password"
            autoComplete="off"
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
          <label htmlFor="new-password">New password (at least 10 characters)</label>
          <input
            id="new-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            maxLength={200}
            value={newPassword}
            onChange={(e) => setNewPassword(e.target.value)}
          />
          {setupError && (
            <p role="alert" className="error">
              {setupError}
            </p>
          )}
          <button type="submit" disabled={setup.isPending}>
            Set password and sign in
          </button>
        </form>
      </details>
    </main>
  );
}
