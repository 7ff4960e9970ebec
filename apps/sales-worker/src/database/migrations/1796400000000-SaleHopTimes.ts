import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/**
 * When a sale's message was published (SQS SentTimestamp) and received by the worker: with the
 * payment's created_at and completed_at and the sale's created_at they time each hop of a
 * payment's way (bench/, the per-hop breakdown). Nullable: older rows have neither.
 */
export class SaleHopTimes1796400000000 implements MigrationInterface {
  name = 'SaleHopTimes1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('sales', [
      new TableColumn({ name: 'published_at', type: 'datetime', precision: 3, isNullable: true }),
      new TableColumn({ name: 'received_at', type: 'datetime', precision: 3, isNullable: true }),
    ]);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('sales', 'received_at');
    await queryRunner.dropColumn('sales', 'published_at');
  }
}
