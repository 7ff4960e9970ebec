import type { DataSource, EntityManager } from 'typeorm';

/**
 * `dataSource.transaction`, the one way the apps open a transaction. On SQLite every unit of
 * work runs behind one gate (sqlite-gate.ts): inside `work`, use `manager` only — a repository
 * or another `transaction()` there is another unit of work, and would wait for this one.
 */
export function transaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(work);
}
