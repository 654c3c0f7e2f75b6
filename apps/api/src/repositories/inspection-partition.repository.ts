import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

export type PartitionDropResult = 'dropped' | 'kept' | 'absent';

/** Deleting a day's keys can take a while at line rate; the request-path bound (5 s) does not apply here. */
const DROP_STATEMENT_TIMEOUT = '15min';
/** The DROP briefly locks the whole table: give up rather than queue every reader behind a long query. */
const LOCK_TIMEOUT = '10s';

/** The day partitions of inspections (`inspections_pYYYYMMDD`, UTC days), through the migration's SQL functions. */
@Injectable()
export class InspectionPartitionRepository {
  constructor(private readonly db: EntityManager) {}

  /** Day partitions, as 'YYYY-MM-DD', oldest first. */
  async days(): Promise<string[]> {
    const rows: { day: string }[] = await this.db.query(
      `SELECT to_char(to_date(substr(c.relname, 14), 'YYYYMMDD'), 'YYYY-MM-DD') AS day
         FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
        WHERE h.inhparent = 'inspections'::regclass AND c.relname ~ '^inspections_p[0-9]{8}$'
        ORDER BY 1`,
    );
    return rows.map((row) => row.day);
  }

  /** Creates the partition of each day (idempotent); returns the partitions' names. */
  async create(days: string[]): Promise<string[]> {
    const names: string[] = [];
    for (const day of days) {
      const rows: { name: string }[] = await this.db.transaction(async (tx) => {
        await tx.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
        return tx.query(`SELECT create_inspection_partition($1::date) AS name`, [day]);
      });
      names.push(rows[0].name);
    }
    return names;
  }

  /** Drops a day's partition unless one of its rows is reviewed or in a label set. */
  async drop(day: string): Promise<PartitionDropResult> {
    const rows: { result: PartitionDropResult }[] = await this.db.transaction(async (tx) => {
      await tx.query(`SET LOCAL statement_timeout = '${DROP_STATEMENT_TIMEOUT}'`);
      await tx.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
      return tx.query(`SELECT drop_inspection_partition($1::date) AS result`, [day]);
    });
    return rows[0].result;
  }
}
