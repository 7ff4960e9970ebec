import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@app/platform/database';
import { initializeDataSource } from '@app/platform/database-migrations';
import { createTestDatabase, databaseKinds } from '../../../tools/testing/databases';
import { ENTITIES } from '../src/database/entities';
import { MIGRATIONS } from '../src/database/migrations';

/** What the former Initial migration (MySQL SQL) built: the schema of every existing database. */
const FORMER_INITIAL = [
  "CREATE TABLE `outbox` (`id` varchar(36) NOT NULL, `destination` varchar(64) NOT NULL, `body` text NOT NULL, `attributes` text NOT NULL, `attempts` int NOT NULL DEFAULT '0', `created_at` datetime(3) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB",
  'CREATE TABLE `idempotency_keys` (`client_id` varchar(64) NOT NULL, `idempotency_key` varchar(255) NOT NULL, `fingerprint` varchar(64) NOT NULL, `state` varchar(16) NOT NULL, `payment_id` varchar(36) NULL, `locked_until` datetime(3) NOT NULL, `expires_at` datetime(3) NOT NULL, PRIMARY KEY (`client_id`, `idempotency_key`)) ENGINE=InnoDB',
  'CREATE TABLE `payments` (`id` varchar(36) NOT NULL, `client_id` varchar(64) NOT NULL, `customer_id` varchar(64) NOT NULL, `policy_id` varchar(64) NOT NULL, `amount` bigint NOT NULL, `currency` varchar(3) NOT NULL, `period` varchar(7) NOT NULL, `paid_at` datetime(3) NOT NULL, `status` varchar(16) NOT NULL, `failure_code` varchar(64) NULL, `failure_message` varchar(1024) NULL, `failure_attempts` int NULL, `correlation_id` varchar(128) NOT NULL, `created_at` datetime(3) NOT NULL, `updated_at` datetime(3) NOT NULL, `completed_at` datetime(3) NULL, INDEX `idx_payments_status_created` (`status`, `created_at`), PRIMARY KEY (`id`)) ENGINE=InnoDB',
  'CREATE TABLE `migrations` (`id` int NOT NULL AUTO_INCREMENT, `timestamp` bigint NOT NULL, `name` varchar(255) NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB',
  "INSERT INTO `migrations` (`timestamp`, `name`) VALUES (1795709877047, 'Initial1795709877047')",
  "INSERT INTO `idempotency_keys` VALUES ('anonymous', 'Order-ABC', 'f', 'COMPLETED', '01a2189a-22ad-7408-a371-7e9ffa893414', '2026-11-26 10:00:00.000', '2036-11-27 10:00:00.000')",
  "INSERT INTO `payments` VALUES ('01a2189a-22ad-7408-a371-7e9ffa893414', 'anonymous', 'Cust-1', 'pol-1', 99999999999, 'USD', '2026-11', '2026-11-26 10:00:00.000', 'COMPLETED', NULL, NULL, NULL, 'corr', '2026-11-26 10:00:00.000', '2026-11-26 10:00:00.000', NULL)",
];

const mysqlOnly = databaseKinds().includes('mysql') ? ['mysql' as const] : [];

describe.each(mysqlOnly)('customer-api upgrading an existing database (%s)', (kind) => {
  it('should apply only the new migrations, keep every row, and leave no drift', async () => {
    const db = await createTestDatabase(kind, 'upgrade');
    const former = await createConnection({ uri: db.url });
    for (const statement of FORMER_INITIAL) {
      await former.query(statement);
    }
    await former.end();
    // As the app starts: migrations under the lock, then its own data source.
    const dataSource: DataSource = await initializeDataSource(
      dataSourceOptions({
        url: db.url,
        sqlitePath: db.sqlitePath,
        poolSize: 2,
        connectTimeoutMs: 5_000,
        entities: ENTITIES,
        migrations: MIGRATIONS,
      }),
      true,
    );
    try {
      const applied = await dataSource.query<{ name: string }[]>(
        'SELECT name FROM migrations ORDER BY id',
      );
      expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
      const payments = await dataSource.query<{ amount: string | number; customer_id: string }[]>(
        'SELECT amount, customer_id FROM payments',
      );
      expect(payments.map((p) => [String(p.amount), p.customer_id])).toEqual([
        ['99999999999', 'Cust-1'],
      ]);
      // The key still replays under its own spelling, and no longer under another.
      const keys = async (key: string): Promise<number> =>
        (
          await dataSource.query<unknown[]>(
            'SELECT 1 FROM idempotency_keys WHERE idempotency_key = ?',
            [key],
          )
        ).length;
      await expect(keys('Order-ABC')).resolves.toBe(1);
      await expect(keys('order-abc')).resolves.toBe(0);
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
      await db.drop();
    }
  });
});
