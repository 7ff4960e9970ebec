import { createConnection, createPool, Pool, RowDataPacket } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { MIGRATIONS as CUSTOMER_MIGRATIONS } from '../../apps/customer-api/src/database/migrations';
import { MIGRATIONS as SALES_MIGRATIONS } from '../../apps/sales-worker/src/database/migrations';

/** The server the bench owns databases on; every database it creates starts with `bench_`. */
export const MYSQL_HOST = '127.0.0.1';
export const MYSQL_PORT = 3306;
const ADMIN_URL = `mysql://root@${MYSQL_HOST}:${MYSQL_PORT}/`;

export type Schema = 'customer' | 'sales';

/** `mariadb://` selects the apps' MariaDB dialect; mysql2 itself wants `mysql://`. */
export function databaseUrl(name: string, port = MYSQL_PORT, scheme = 'mariadb'): string {
  return `${scheme}://root@${MYSQL_HOST}:${port}/${name}`;
}

export function pool(name: string, connectionLimit: number, port = MYSQL_PORT): Pool {
  return createPool({
    uri: databaseUrl(name, port, 'mysql'),
    connectionLimit,
    maxIdle: connectionLimit,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
  });
}

/**
 * The bench's databases on the shared server: created on demand, all dropped by `dropAll`, which
 * the runner calls on success and on failure alike.
 */
export class Databases {
  private readonly created = new Set<string>();

  constructor(private readonly prefix: string) {
    if (!/^bench_[a-z0-9_]+$/.test(prefix)) {
      throw new Error(`database prefix ${prefix} must start with bench_`);
    }
  }

  async create(label: string, schema?: Schema): Promise<string> {
    const name = `${this.prefix}_${label}`;
    const admin = await createConnection({ uri: ADMIN_URL });
    try {
      await admin.query(
        `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    } finally {
      await admin.end();
    }
    this.created.add(name);
    if (schema) {
      await migrate(name, schema);
    }
    return name;
  }

  async dropAll(): Promise<void> {
    const admin = await createConnection({ uri: ADMIN_URL });
    try {
      for (const name of this.created) {
        await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
        this.created.delete(name);
      }
    } finally {
      await admin.end();
    }
  }
}

/** The apps' own migrations, so a table the bench writes is the table the app writes. */
async function migrate(name: string, schema: Schema): Promise<void> {
  const dataSource = new DataSource({
    type: 'mariadb',
    url: databaseUrl(name, MYSQL_PORT, 'mysql'),
    migrations: schema === 'customer' ? CUSTOMER_MIGRATIONS : SALES_MIGRATIONS,
    migrationsTransactionMode: 'each',
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } finally {
    await dataSource.destroy();
  }
}

export async function serverVersion(): Promise<string> {
  const admin = await createConnection({ uri: ADMIN_URL });
  try {
    const [rows] = await admin.query<RowDataPacket[]>('SELECT VERSION() AS v');
    return String(rows[0]?.v);
  } finally {
    await admin.end();
  }
}
