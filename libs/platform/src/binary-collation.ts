import type { QueryRunner } from 'typeorm';

/** Compares bytes: `Key-1` and `key-1` differ (identifiers hold no spaces, so PAD SPACE is moot). */
export const BINARY_COLLATION = 'utf8mb4_bin';
/** What the databases were created with before (docker/mysql, the CDK stack). */
const FORMER_COLLATION = 'utf8mb4_unicode_ci';

function isMysql(queryRunner: QueryRunner): boolean {
  const type = queryRunner.connection.options.type;
  return type === 'mysql' || type === 'mariadb';
}

/**
 * For a migration: every table of the app's database, and the database's default (so that
 * tables and columns added later inherit it, whatever the database was created with), in
 * `collation`. A no-op on SQLite, whose default BINARY collation already compares bytes.
 */
export async function convertCollation(
  queryRunner: QueryRunner,
  collation: string = BINARY_COLLATION,
): Promise<void> {
  if (!isMysql(queryRunner)) {
    return;
  }
  const [{ name }] = (await queryRunner.query('SELECT DATABASE() AS name')) as { name: string }[];
  await queryRunner.query(`ALTER DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE ${collation}`);
  const tables = (await queryRunner.query(
    `SELECT TABLE_NAME AS name FROM information_schema.TABLES
     WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> 'migrations'
     ORDER BY TABLE_NAME`,
  )) as { name: string }[];
  for (const table of tables) {
    await queryRunner.query(
      `ALTER TABLE \`${table.name}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE ${collation}`,
    );
  }
}

/** The `down` of convertCollation: back to the collation the databases used to be created with. */
export function revertCollation(queryRunner: QueryRunner): Promise<void> {
  return convertCollation(queryRunner, FORMER_COLLATION);
}
