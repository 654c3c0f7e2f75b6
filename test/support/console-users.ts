import { type ApiHarness, type CallOptions, type CallResult } from './api-harness';

export interface ConsoleUser {
  id: string;
  email: string;
  token: string;
  password: string;
}

export interface CookieSession {
  cookie: string;
  csrfToken: string;
  /** A call made with the session cookie (and the CSRF token unless `csrf: false`). */
  call(method: string, route: string, options?: CallOptions & { csrf?: boolean }): Promise<CallResult>;
}

/** Creates a person through the API and gives them a password with their own bearer token. */
export async function createConsoleUser(
  api: ApiHarness,
  email: string,
  role: 'qa' | 'ml_engineer' | 'admin',
  password = 'a long enough passphrase',
): Promise<ConsoleUser> {
  const created = await api.call('POST', '/api/v1/users', {
    token: api.adminToken,
    json: { email, displayName: email.split('@')[0], role },
  });
  if (created.status !== 201) throw new Error(`cannot create ${email}: ${JSON.stringify(created.body)}`);
  const set = await api.call('POST', '/api/v1/auth/password', {
    token: created.body.token,
    json: { newPassword: password },
  });
  if (set.status !== 200) throw new Error(`cannot set the password of ${email}: ${JSON.stringify(set.body)}`);
  return { id: created.body.user.id, email, token: created.body.token, password };
}

export function sessionCookieOf(result: CallResult): string {
  const header = result.headers.get('set-cookie') ?? '';
  const match = header.match(/ls_session=([^;]*)/);
  if (!match) throw new Error(`no session cookie in ${header}`);
  return `ls_session=${match[1]}`;
}

export async function signIn(api: ApiHarness, email: string, password: string): Promise<CookieSession> {
  const login = await api.call('POST', '/api/v1/auth/login', { json: { email, password } });
  if (login.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(login.body)}`);
  const cookie = sessionCookieOf(login);
  const csrfToken: string = login.body.csrfToken;
  return {
    cookie,
    csrfToken,
    call: (method, route, options = {}) =>
      api.call(method, route, {
        ...options,
        headers: {
          cookie,
          ...(options.csrf === false ? {} : { 'x-csrf-token': csrfToken }),
          ...options.headers,
        },
      }),
  };
}
