import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

const id = (name: string, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: '36',
  isNullable: nullable,
});
const text = (name: string, length: number, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const instant = (name: string, nullable = false): TableColumnOptions => ({
  name,
  type: 'datetime',
  precision: 3,
  isNullable: nullable,
});

/**
 * The first schema, written with TypeORM's dialect-neutral API so that it runs on MySQL/MariaDB
 * and on the embedded SQLite file alike (it was MySQL SQL; the tables it builds on MySQL are the
 * same). `IF NOT EXISTS`: an embedded file made by the former `synchronize` already has them.
 */
export class Initial1795709877047 implements MigrationInterface {
  name = 'Initial1795709877047';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // `int` on MySQL, `integer` on SQLite: what each driver makes of the entities' `int`.
    const int = queryRunner.connection.driver.normalizeType({ type: 'int' });
    await queryRunner.createTable(
      new Table({
        name: 'outbox',
        columns: [
          { ...id('id'), isPrimary: true },
          text('destination', 64),
          { name: 'body', type: 'text' },
          { name: 'attributes', type: 'text' },
          { name: 'attempts', type: int, default: 0 },
          instant('created_at'),
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          { ...text('client_id', 64), isPrimary: true },
          { ...text('idempotency_key', 255), isPrimary: true },
          text('fingerprint', 64),
          text('state', 16),
          id('payment_id', true),
          instant('locked_until'),
          instant('expires_at'),
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'payments',
        columns: [
          { ...id('id'), isPrimary: true },
          text('client_id', 64),
          text('customer_id', 64),
          text('policy_id', 64),
          { name: 'amount', type: 'bigint' },
          text('currency', 3),
          text('period', 7),
          instant('paid_at'),
          text('status', 16),
          text('failure_code', 64, true),
          text('failure_message', 1024, true),
          { name: 'failure_attempts', type: int, isNullable: true },
          text('correlation_id', 128),
          instant('created_at'),
          instant('updated_at'),
          instant('completed_at', true),
        ],
        indices: [{ name: 'idx_payments_status_created', columnNames: ['status', 'created_at'] }],
      }),
      true,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('payments');
    await queryRunner.dropTable('idempotency_keys');
    await queryRunner.dropTable('outbox');
  }
}
