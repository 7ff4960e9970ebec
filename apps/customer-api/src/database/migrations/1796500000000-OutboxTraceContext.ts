import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * The W3C trace context of the request that wrote an outbox row, so the relay's publish
 * continues that request's trace. Nullable: rows written with tracing off carry none.
 * Dialect-neutral: runs on MySQL/MariaDB and SQLite.
 */
export class OutboxTraceContext1796500000000 implements MigrationInterface {
  name = 'OutboxTraceContext1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('outbox', [
      new TableColumn({ name: 'trace_parent', type: 'varchar', length: '128', isNullable: true }),
      new TableColumn({ name: 'trace_state', type: 'varchar', length: '512', isNullable: true }),
    ]);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('outbox', ['trace_state', 'trace_parent']);
  }
}
