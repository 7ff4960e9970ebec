import type { DataSource, EntityManager } from 'typeorm';

/**
 * `dataSource.transaction`. On SQLite every unit of work already runs behind one gate
 * (sqlite-gate.ts), so nothing more is needed here; kept as the one way the apps open a
 * transaction.
 */
export function transaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  return dataSource.transaction(work);
}
