import { NavLink, Outlet } from 'react-router';
import { useSession } from '../app/session';

/** The Administration area: its own tabs, shown to administrators only (the server refuses everyone else too). */
export function AdminLayout() {
  const session = useSession();
  if (session.data?.user.role !== 'admin')
    return (
      <section aria-labelledby="admin-denied">
        <h1 id="admin-denied">Administration</h1>
        <p role="alert">Only administrators can open these pages.</p>
      </section>
    );
  return (
    <>
      <nav aria-label="Administration" className="admin-tabs">
        <NavLink to="/admin/lines">Lines and cameras</NavLink>
        <NavLink to="/admin/people">People</NavLink>
        <NavLink to="/admin/audit">Audit log</NavLink>
      </nav>
      <Outlet />
    </>
  );
}
