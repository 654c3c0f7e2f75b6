/** Anything that runs a query: a `pg` Client, a pool, a TypeORM DataSource. */
interface Queryable {
  query(text: string): Promise<unknown>;
}

/** Thrown when a database server is reachable but is not the cluster this installation was set up with. */
export class ServerIdentityError extends Error {
  constructor(
    readonly actual: string,
    readonly expected: string,
  ) {
    super(
      `the PostgreSQL server reached is not this installation's cluster (system identifier ${actual}, expected ${expected})`,
    );
    this.name = 'ServerIdentityError';
  }
}

/** PostgreSQL's system identifier: made by initdb, unique per cluster, unchanged by restarts and by port changes. */
export async function readSystemIdentifier(db: Queryable): Promise<string> {
  const result = await db.query('SELECT system_identifier::text AS id FROM pg_control_system()');
  const rows = Array.isArray(result) ? result : (result as { rows: unknown[] }).rows;
  const id = (rows[0] as { id?: string } | undefined)?.id;
  if (!id) throw new Error('the server did not report a system identifier');
  return id;
}

export async function assertServerIdentity(db: Queryable, expected: string): Promise<void> {
  const actual = await readSystemIdentifier(db);
  if (actual !== expected) throw new ServerIdentityError(actual, expected);
}
