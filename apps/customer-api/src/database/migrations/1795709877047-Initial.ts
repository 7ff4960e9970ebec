import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795709877047 implements MigrationInterface {
  name = 'Initial1795709877047';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`outbox\` (\`id\` varchar(36) NOT NULL, \`destination\` varchar(64) NOT NULL, \`body\` text NOT NULL, \`attributes\` text NOT NULL, \`attempts\` int NOT NULL DEFAULT '0', \`created_at\` datetime(3) NOT NULL, PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`idempotency_keys\` (\`client_id\` varchar(64) NOT NULL, \`idempotency_key\` varchar(255) NOT NULL, \`fingerprint\` varchar(64) NOT NULL, \`state\` varchar(16) NOT NULL, \`payment_id\` varchar(36) NULL, \`locked_until\` datetime(3) NOT NULL, \`expires_at\` datetime(3) NOT NULL, PRIMARY KEY (\`client_id\`, \`idempotency_key\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`payments\` (\`id\` varchar(36) NOT NULL, \`client_id\` varchar(64) NOT NULL, \`customer_id\` varchar(64) NOT NULL, \`policy_id\` varchar(64) NOT NULL, \`amount\` bigint NOT NULL, \`currency\` varchar(3) NOT NULL, \`period\` varchar(7) NOT NULL, \`paid_at\` datetime(3) NOT NULL, \`status\` varchar(16) NOT NULL, \`failure_code\` varchar(64) NULL, \`failure_message\` varchar(1024) NULL, \`failure_attempts\` int NULL, \`correlation_id\` varchar(128) NOT NULL, \`created_at\` datetime(3) NOT NULL, \`updated_at\` datetime(3) NOT NULL, \`completed_at\` datetime(3) NULL, INDEX \`idx_payments_status_created\` (\`status\`, \`created_at\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX \`idx_payments_status_created\` ON \`payments\``);
    await queryRunner.query(`DROP TABLE \`payments\``);
    await queryRunner.query(`DROP TABLE \`idempotency_keys\``);
    await queryRunner.query(`DROP TABLE \`outbox\``);
  }
}
