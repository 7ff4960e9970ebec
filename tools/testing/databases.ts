import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';

export type DatabaseKind = 'sqlite' | 'mysql';

/** The kinds of database the tests run against: SQLite always, MySQL when TEST_MYSQL_URL is set. */
export function databaseKinds(): DatabaseKind[] {
  return process.env.TEST_MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];
}

export interface TestDatabase {
  kind: DatabaseKind;
  /** DATABASE_URL for the app: undefined for SQLite. */
  url?: string;
  /** SQLITE_PATH for the app. */
  sqlitePath: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh, empty database owned by one test file. */
export async function createTestDatabase(kind: DatabaseKind, label: string): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  const sqlitePath = join(dir, 'db.sqlite');
  if (kind === 'sqlite') {
    return {
      kind,
      sqlitePath,
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  const base = process.env.TEST_MYSQL_URL;
  if (!base) {
    throw new Error('TEST_MYSQL_URL is not set');
  }
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_')}_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({ uri: base });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  return {
    kind,
    url: withDatabase(base, name),
    sqlitePath,
    drop: async () => {
      const conn = await createConnection({ uri: base });
      await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await conn.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
