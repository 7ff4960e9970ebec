import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/platform/database';
import { createTestDatabase, databaseKinds } from '../../../tools/testing/databases';
import { ENTITIES } from '../src/database/entities';
import { MIGRATIONS } from '../src/database/migrations';

describe.each(databaseKinds())('customer-api migrations (%s)', (kind) => {
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
      const tables = await dataSource.query<{ name: string }[]>(
        kind === 'mysql'
          ? 'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()'
          : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
      );
      expect(tables.map((t) => t.name).filter((t) => t !== 'migrations')).toEqual([]);
    } finally {
      await dataSource.destroy();
      await db.drop();
    }
  });
});
