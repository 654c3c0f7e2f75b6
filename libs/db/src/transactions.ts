import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** A repository class: every repository takes the EntityManager it runs on, and nothing else. */
export type RepositoryClass<T> = new (db: EntityManager) => T;

/** What pg-boss needs to insert a job on an open transaction's connection. */
export interface TransactionalSql {
  executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

/** Lets pg-boss insert a job on the transaction's own connection, so the job exists only if it commits. */
export function transactionalSql(manager: EntityManager): TransactionalSql {
  return {
    executeSql: async (text: string, values: unknown[]) => ({
      rows: await manager.query<unknown[]>(text, values),
    }),
  };
}

/** One open transaction: repositories bound to it, and the handle that enqueues jobs inside it. */
export class Transaction {
  private readonly bound = new Map<RepositoryClass<unknown>, unknown>();

  constructor(private readonly manager: EntityManager) {}

  /** The repository of this type, running on the transaction's connection. */
  get<T>(repository: RepositoryClass<T>): T {
    let instance = this.bound.get(repository) as T | undefined;
    if (instance === undefined) {
      instance = new repository(this.manager);
      this.bound.set(repository, instance);
    }
    return instance;
  }

  /** For `JobQueue.send(kind, payload, { db: tx.jobs })`: the job commits or rolls back with the rows. */
  get jobs(): TransactionalSql {
    return transactionalSql(this.manager);
  }
}

/**
 * Runs several repository calls atomically. Services hold this and their repositories, never a DataSource:
 * `transactions.run(async (tx) => { await tx.get(CameraRepository).insert(...); ... })`.
 */
@Injectable()
export class DatabaseTransactions {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(new Transaction(manager)));
  }
}
