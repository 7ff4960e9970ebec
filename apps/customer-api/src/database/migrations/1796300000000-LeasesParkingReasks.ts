import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';

const datetime = (name: string): TableColumn =>
  new TableColumn({ name, type: 'datetime', precision: 3, isNullable: true });

/**
 * Outbox leases and parking, the re-ask stamp of a PENDING payment, and the index the
 * Idempotency-Key sweep deletes by. Dialect-neutral: runs on MySQL/MariaDB and SQLite.
 */
export class LeasesParkingReasks1796300000000 implements MigrationInterface {
  name = 'LeasesParkingReasks1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('outbox', [
      new TableColumn({ name: 'lease_owner', type: 'varchar', length: '36', isNullable: true }),
      datetime('lease_until'),
      datetime('parked_at'),
      new TableColumn({ name: 'last_error', type: 'varchar', length: '1024', isNullable: true }),
    ]);
    await queryRunner.createIndex(
      'outbox',
      new TableIndex({ name: 'idx_outbox_parked', columnNames: ['parked_at'] }),
    );
    await queryRunner.addColumn('payments', datetime('reasked_at'));
    await queryRunner.createIndex(
      'idempotency_keys',
      new TableIndex({ name: 'idx_idempotency_keys_expires', columnNames: ['expires_at'] }),
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('idempotency_keys', 'idx_idempotency_keys_expires');
    await queryRunner.dropColumn('payments', 'reasked_at');
    await queryRunner.dropIndex('outbox', 'idx_outbox_parked');
    await queryRunner.dropColumns('outbox', [
      'last_error',
      'parked_at',
      'lease_until',
      'lease_owner',
    ]);
  }
}
