import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795710009957 implements MigrationInterface {
  name = 'Initial1795710009957';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`monthly_totals\` (\`period\` varchar(7) NOT NULL, \`currency\` varchar(3) NOT NULL, \`count\` int NOT NULL, \`amount\` bigint NOT NULL, PRIMARY KEY (\`period\`, \`currency\`)) ENGINE=InnoDB`,
    );
    await queryRunner.query(
      `CREATE TABLE \`sales\` (\`payment_id\` varchar(36) NOT NULL, \`customer_id\` varchar(64) NOT NULL, \`policy_id\` varchar(64) NOT NULL, \`amount\` bigint NOT NULL, \`currency\` varchar(3) NOT NULL, \`period\` varchar(7) NOT NULL, \`paid_at\` datetime(3) NOT NULL, \`recorded_at\` datetime(3) NOT NULL, \`correlation_id\` varchar(128) NULL, \`created_at\` datetime(3) NOT NULL, PRIMARY KEY (\`payment_id\`)) ENGINE=InnoDB`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE \`sales\``);
    await queryRunner.query(`DROP TABLE \`monthly_totals\``);
  }
}
