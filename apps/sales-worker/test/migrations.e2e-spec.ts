import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/platform/database';
import { createTestDatabase, databaseKinds, TestDatabase } from '../../../tools/testing/databases';
import { ENTITIES } from '../src/database/entities';
import { MIGRATIONS } from '../src/database/migrations';

/** What `migration:generate --check` asks: the DDL the entities still need. */
async function pendingDdl(dataSource: DataSource): Promise<string[]> {
  const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
  return upQueries.map((q) => q.query);
}

/**
 * TypeORM reads MariaDB's information_schema its own way (a nullable column's COLUMN_DEFAULT is
 * the string 'NULL' there): compare with the dialect of the server at hand, or every nullable
 * column reads as drifted. The app only runs migrations, which do not compare.
 */
async function mysqlDialect(url: string): Promise<'mysql' | 'mariadb'> {
  const connection = await createConnection({ uri: url });
  try {
    const [rows] = await connection.query('SELECT VERSION() AS version');
    return /mariadb/i.test((rows as { version: string }[])[0].version) ? 'mariadb' : 'mysql';
  } finally {
    await connection.end();
  }
}

describe.each(databaseKinds())('sales-worker schema (%s)', (kind) => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeEach(async () => {
    db = await createTestDatabase(kind, 'schema');
    // As the app starts: the schema from the migrations, on both kinds.
    const options = dataSourceOptions({
      url: db.url,
      sqlitePath: db.sqlitePath,
      poolSize: 2,
      connectTimeoutMs: 5_000,
      entities: ENTITIES,
      migrations: MIGRATIONS,
    });
    dataSource = new DataSource(
      options.type === 'mysql' && db.url
        ? { ...options, type: await mysqlDialect(db.url) }
        : options,
    );
    await dataSource.initialize();
  });

  afterEach(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('should hold exactly the schema the entities describe, and notice when it does not', async () => {
    await expect(dataSource.runMigrations()).resolves.toHaveLength(MIGRATIONS.length);
    await expect(pendingDdl(dataSource)).resolves.toEqual([]);

    // The same check on a schema that drifted: it must see the difference.
    await dataSource.query('DROP TABLE monthly_totals');
    await expect(pendingDdl(dataSource)).resolves.toEqual([
      expect.stringMatching(/^CREATE TABLE [`"]monthly_totals[`"]/),
    ]);
  });

  if (kind === 'mysql') {
    it('should revert every migration cleanly', async () => {
      await dataSource.runMigrations();
      for (let i = 0; i < MIGRATIONS.length; i += 1) {
        await dataSource.undoLastMigration();
      }
      const tables = await dataSource.query<Record<string, string>[]>('SHOW TABLES');
      expect(tables.map((t) => Object.values(t)[0]).filter((t) => t !== 'migrations')).toEqual([]);
    });
  }
});
