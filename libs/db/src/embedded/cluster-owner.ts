import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** The uid and gid the PostgreSQL server runs as: none when not root (it runs as us), else the `postgres` user. */
export interface ServerOwner {
  uid?: number;
  gid?: number;
}

/** Where clusters go, as root, when the `postgres` user cannot enter the data folder (e.g. a clone under /root). */
export const ROOT_CLUSTERS_DIR = '/var/lib/linescope';

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` system user (created when missing). */
export function serverOwner(): ServerOwner {
  if (process.getuid?.() !== 0) return {};
  const ids = lookupUser('postgres');
  if (ids) return ids;
  try {
    execFileSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
  } catch {
    // the group may exist without the user
  }
  execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres'], {
    stdio: 'ignore',
  });
  const created = lookupUser('postgres');
  if (!created) throw new Error('could not create the postgres system user the embedded PostgreSQL runs as');
  return created;
}

function lookupUser(name: string): Required<ServerOwner> | null {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Whether `owner` can enter `dir` (every parent included), asked of the system itself, so ACLs count too. */
export function canEnter(owner: ServerOwner, dir: string): boolean {
  if (owner.uid === undefined) return true;
  let existing = path.resolve(dir);
  while (!existsSync(existing)) existing = path.dirname(existing);
  const probe = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', existing], {
    uid: owner.uid,
    gid: owner.gid,
    stdio: 'ignore',
  });
  return probe.status === 0;
}

/**
 * The cluster's folder: `<data>/postgres`, unless the server's user cannot reach it — then a folder of its own
 * under /var/lib/linescope, named after the data folder, so `npm start` works from a clone under /root too.
 */
export function chooseClusterDir(dataDir: string, owner: ServerOwner): string {
  const inside = path.join(path.resolve(dataDir), 'postgres');
  if (canEnter(owner, path.dirname(inside))) return inside;
  const id = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  return path.join(ROOT_CLUSTERS_DIR, id, 'postgres');
}

/** Creates the (empty) cluster folder, owned by the server's user and closed to everyone else. */
export async function prepareClusterDir(clusterDir: string, owner: ServerOwner): Promise<void> {
  await mkdir(path.dirname(clusterDir), { recursive: true, mode: 0o755 });
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  if (owner.uid !== undefined) await chown(clusterDir, owner.uid, owner.gid ?? owner.uid);
  await chmod(clusterDir, 0o700);
}
