import { useMutation } from '@tanstack/react-query';
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { api, unwrap } from '../api/client';
import { ChangePasswordPage } from '../pages/ChangePasswordPage';
import { useLiveEvents, useStreamUp } from './live-events';
import { canManageModels, ROLE_LABELS, useSession, useSetSession } from './session';

/** The signed-in frame: skip link, header (navigation, user, role, sign-out), the page, the live stream. */
export function Layout() {
  const session = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const setSession = useSetSession();
  const streamUp = useStreamUp();
  // With a temporary password the server refuses the stream (403) until it is changed.
  useLiveEvents(Boolean(session.data) && !session.data?.user.mustChangePassword);
  const signOut = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/auth/logout')),
    onSettled: () => {
      setSession(null);
      void navigate('/signin');
    },
  });

  if (session.isPending) return <p className="loading">Loading…</p>;
  if (session.isError) return <p role="alert">Cannot reach the server: {session.error.message}</p>;
  if (!session.data) {
    const next = location.pathname + location.search;
    return <Navigate to={`/signin?next=${encodeURIComponent(next)}`} replace />;
  }
  const { user } = session.data;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <span className="brand">Linescope</span>
        <nav aria-label="Main">
          <NavLink to="/review">Review</NavLink>
          <NavLink to="/inspections">Inspections</NavLink>
          <NavLink to="/dashboards">Dashboards</NavLink>
          {(user.role === 'ml_engineer' || user.role === 'admin') && (
            <NavLink to="/training">Training</NavLink>
          )}
          {canManageModels(user.role) && <NavLink to="/models">Models</NavLink>}
          {user.role === 'admin' && <NavLink to="/admin">Administration</NavLink>}
        </nav>
        <span className={streamUp ? 'stream up' : 'stream down'} title="Live updates">
          {streamUp ? 'Live' : 'Polling'}
        </span>
        <span className="user" data-testid="current-user">
          {user.displayName} <span className="role">({ROLE_LABELS[user.role]})</span>
        </span>
        <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {user.mustChangePassword ? <ChangePasswordPage /> : <Outlet />}
      </main>
    </>
  );
}
