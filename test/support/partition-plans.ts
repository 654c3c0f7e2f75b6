import { type DataSource, type Logger } from 'typeorm';

/** One plan node that reads a relation. */
export interface PlanScan {
  nodeType: string;
  relation: string;
  index: string | null;
}

export interface CapturedPlan {
  sql: string;
  scans: PlanScan[];
  /** The whole plan, as EXPLAIN (FORMAT JSON) gives it, for a failure message. */
  plan: unknown;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Scans of a relation, depth first. */
export function scansOf(node: PlanNode): PlanScan[] {
  const own = node['Relation Name']
    ? [{ nodeType: node['Node Type'], relation: node['Relation Name'], index: node['Index Name'] ?? null }]
    : [];
  return [...own, ...(node.Plans ?? []).flatMap(scansOf)];
}

/**
 * Runs `work` (real repository code) and returns the plan of every SELECT or WITH it sent that reads
 * `inspections`, EXPLAINed afterwards with the same parameters, so what is checked is what the product sends.
 */
export async function capturePlans(
  dataSource: DataSource,
  work: () => Promise<unknown>,
): Promise<CapturedPlan[]> {
  const sent: { sql: string; params: unknown[] }[] = [];
  const original = dataSource.logger;
  const capture: Logger = {
    logQuery: (sql, params) => {
      if (/^\s*(SELECT|WITH)\b/i.test(sql) && /\binspections\b/.test(sql))
        sent.push({ sql, params: params ?? [] });
    },
    logQueryError: () => undefined,
    logQuerySlow: () => undefined,
    logSchemaBuild: () => undefined,
    logMigration: () => undefined,
    log: () => undefined,
  };
  (dataSource as { logger: Logger }).logger = capture;
  try {
    await work();
  } finally {
    (dataSource as { logger: Logger }).logger = original;
  }
  const plans: CapturedPlan[] = [];
  for (const { sql, params } of sent) {
    const rows: { 'QUERY PLAN': { Plan: PlanNode }[] }[] = await dataSource.query(
      `EXPLAIN (FORMAT JSON) ${sql}`,
      params,
    );
    const plan = rows[0]['QUERY PLAN'][0].Plan;
    plans.push({ sql, scans: scansOf(plan), plan });
  }
  return plans;
}

/** Partitions of inspections with their row counts (exact: the test's data is small). */
export async function inspectionPartitions(dataSource: DataSource): Promise<Map<string, number>> {
  const names: { name: string }[] = await dataSource.query(
    `SELECT c.relname AS name FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
      WHERE h.inhparent = 'inspections'::regclass`,
  );
  const counts = new Map<string, number>();
  for (const { name } of names) {
    const rows: { n: number }[] = await dataSource.query(`SELECT count(*)::int AS n FROM ${name}`);
    counts.set(name, rows[0].n);
  }
  return counts;
}

/** Scans of partitions that hold rows and are not served by an index (what must never happen). */
export function unindexedScans(plan: CapturedPlan, partitions: Map<string, number>): PlanScan[] {
  return plan.scans.filter(
    (scan) =>
      partitions.has(scan.relation) &&
      (partitions.get(scan.relation) ?? 0) > 0 &&
      !['Index Scan', 'Index Only Scan', 'Bitmap Heap Scan', 'Bitmap Index Scan'].includes(scan.nodeType),
  );
}

/** The partitions a plan reads. */
export function partitionsRead(plan: CapturedPlan, partitions: Map<string, number>): string[] {
  return [...new Set(plan.scans.map((scan) => scan.relation).filter((name) => partitions.has(name)))].sort();
}

/** The day partitions (inspections_pYYYYMMDD) that overlap [from, to). */
export function dayPartitionsBetween(from: Date, to: Date, partitions: Map<string, number>): string[] {
  return [...partitions.keys()]
    .filter((name) => /^inspections_p\d{8}$/.test(name))
    .filter((name) => {
      const day = Date.UTC(
        Number(name.slice(13, 17)),
        Number(name.slice(17, 19)) - 1,
        Number(name.slice(19, 21)),
      );
      return day < to.getTime() && day + 86_400_000 > from.getTime();
    })
    .sort();
}
