import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/platform';
import { createTestDatabase, databaseKinds } from '../../../tools/testing/databases';
import { ENTITIES } from '../src/database/entities';
import { MIGRATIONS } from '../src/database/migrations';

const mysqlOnly = databaseKinds().includes('mysql') ? ['mysql' as const] : [];

describe.each(mysqlOnly)('customer-api migrations (%s)', (kind) => {
  it('should build exactly the schema the entities describe, and revert cleanly', async () => {
    const db = await createTestDatabase(kind, 'migrations');
    const dataSource = new DataSource(
      dataSourceOptions({
        url: db.url,
        sqlitePath: db.sqlitePath,
        poolSize: 2,
        connectTimeoutMs: 5_000,
        entities: ENTITIES,
        migrations: MIGRATIONS,
      }),
    );
    try {
      await dataSource.initialize();
      const applied = await dataSource.runMigrations();
      expect(applied).toHaveLength(MIGRATIONS.length);

      // What `migration:generate --check` asks: would the entities need any more DDL?
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);

      for (let i = 0; i < MIGRATIONS.length; i++) {
        await dataSource.undoLastMigration();
      }
      const tables = await dataSource.query<Record<string, string>[]>('SHOW TABLES');
      expect(tables.map((t) => Object.values(t)[0]).filter((t) => t !== 'migrations')).toEqual([]);
    } finally {
      await dataSource.destroy();
      await db.drop();
    }
  });
});
