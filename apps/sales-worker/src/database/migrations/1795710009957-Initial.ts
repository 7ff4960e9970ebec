import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';

const text = (name: string, length: number, nullable = false): TableColumnOptions => ({
  name,
  type: 'varchar',
  length: String(length),
  isNullable: nullable,
});
const instant = (name: string): TableColumnOptions => ({
  name,
  type: 'datetime',
  precision: 3,
});

/**
 * The first schema, written with TypeORM's dialect-neutral API so that it runs on MySQL/MariaDB
 * and on the embedded SQLite file alike (it was MySQL SQL; the tables it builds on MySQL are the
 * same). `IF NOT EXISTS`: an embedded file made by the former `synchronize` already has them.
 */
export class Initial1795710009957 implements MigrationInterface {
  name = 'Initial1795710009957';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // `int` on MySQL, `integer` on SQLite: what each driver makes of the entities' `int`.
    const int = queryRunner.connection.driver.normalizeType({ type: 'int' });
    await queryRunner.createTable(
      new Table({
        name: 'monthly_totals',
        columns: [
          { ...text('period', 7), isPrimary: true },
          { ...text('currency', 3), isPrimary: true },
          { name: 'count', type: int },
          { name: 'amount', type: 'bigint' },
        ],
      }),
      true,
    );
    await queryRunner.createTable(
      new Table({
        name: 'sales',
        columns: [
          { ...text('payment_id', 36), isPrimary: true },
          text('customer_id', 64),
          text('policy_id', 64),
          { name: 'amount', type: 'bigint' },
          text('currency', 3),
          text('period', 7),
          instant('paid_at'),
          instant('recorded_at'),
          text('correlation_id', 128, true),
          instant('created_at'),
        ],
      }),
      true,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sales');
    await queryRunner.dropTable('monthly_totals');
  }
}
