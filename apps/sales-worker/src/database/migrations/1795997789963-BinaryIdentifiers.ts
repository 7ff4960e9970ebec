import { MigrationInterface, QueryRunner } from 'typeorm';
import { convertCollation, revertCollation } from '@app/platform/binary-collation';

/**
 * Identifiers compare byte for byte on MySQL/MariaDB: Idempotency-Keys, client ids, customer
 * and policy ids, payment ids. Under the former `utf8mb4_unicode_ci`, `Order-ABC` and
 * `order-abc` were one key, and the second payment was answered as a replay of the first.
 * Rebuilds each table (a copy): on a large database, run it in a quiet hour.
 */
export class BinaryIdentifiers1795997789963 implements MigrationInterface {
  name = 'BinaryIdentifiers1795997789963';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await convertCollation(queryRunner);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await revertCollation(queryRunner);
  }
}
