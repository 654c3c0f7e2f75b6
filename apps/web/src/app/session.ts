import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, setCsrfToken, unwrap } from '../api/client';
import type { Role, SessionDto } from '../api/types';

export const SESSION_KEY = ['session'] as const;

/** The signed-in person, or null: a 401 is an answer here, not an error. */
async function fetchSession(): Promise<SessionDto | null> {
  try {
    const session = await unwrap(api.GET('/api/v1/auth/session'));
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

export function useSession() {
  return useQuery({ queryKey: SESSION_KEY, queryFn: fetchSession, staleTime: 60_000, retry: false });
}

/** Stores a fresh session (after sign-in) so every page sees it without another round trip. */
export function useSetSession(): (session: SessionDto | null) => void {
  const client = useQueryClient();
  return (session) => {
    setCsrfToken(session?.csrfToken ?? null);
    client.setQueryData(SESSION_KEY, session);
  };
}

/** What each role may do in the console; the server enforces the same rules regardless. */
export function canManageModels(role: Role): boolean {
  return role === 'ml_engineer' || role === 'admin';
}

export const ROLE_LABELS: Record<Role, string> = {
  qa: 'QA reviewer',
  ml_engineer: 'ML engineer',
  admin: 'Administrator',
};
