import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/platform/database';
import { initializeDataSource } from '@app/platform/database-migrations';
import { createTestDatabase, DatabaseKind, TestDatabase } from '../../../tools/testing/databases';
import { ENTITIES } from '../src/database/entities';
import { MIGRATIONS } from '../src/database/migrations';

/** The customer DB as the app opens it, the schema from its migrations: for unit tests on SQL. */
export async function openCustomerDatabase(
  kind: DatabaseKind,
  label: string,
): Promise<{ db: TestDatabase; dataSource: DataSource }> {
  const db = await createTestDatabase(kind, label);
  const dataSource = await initializeDataSource(
    dataSourceOptions({
      url: db.url,
      sqlitePath: db.sqlitePath,
      poolSize: 8,
      connectTimeoutMs: 5_000,
      entities: ENTITIES,
      migrations: MIGRATIONS,
    }),
    true,
  );
  return { db, dataSource };
}
