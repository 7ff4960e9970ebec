import { createPool, Pool, RowDataPacket } from 'mysql2/promise';

/** The MariaDB server the suite creates its databases on; 127.0.0.1 only. */
export const MYSQL_URL = process.env.FAULTS_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** Every database name this suite creates starts with this, so cleanup can never hit another. */
export const DATABASE_PREFIX = 'faults_';

/** A database owned by one scenario, read directly (never through a fault proxy). */
export class Database {
  private constructor(
    readonly name: string,
    readonly pool: Pool,
  ) {}

  static async create(admin: Pool, name: string): Promise<Database> {
    if (!name.startsWith(DATABASE_PREFIX) || !/^[a-z0-9_]+$/.test(name)) {
      throw new Error(`refusing to create database ${name}`);
    }
    await admin.query(
      `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    const pool = createPool({ uri: `${MYSQL_URL}/${name}`, connectionLimit: 4 });
    return new Database(name, pool);
  }

  /** DATABASE_URL for an app: `mariadb://` selects TypeORM's MariaDB dialect. */
  urlVia(port: number): string {
    const server = new URL(MYSQL_URL);
    return `mariadb://${server.username || 'root'}@127.0.0.1:${port}/${this.name}`;
  }

  get url(): string {
    return this.urlVia(Number(new URL(MYSQL_URL).port || 3306));
  }

  async rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(sql, params);
    return rows as T[];
  }

  async count(table: string): Promise<number> {
    const [row] = await this.rows<{ n: number | string }>(`SELECT COUNT(*) AS n FROM \`${table}\``);
    return Number(row.n);
  }

  async drop(admin: Pool): Promise<void> {
    await this.pool.end().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS \`${this.name}\``);
  }
}

export function adminPool(): Pool {
  const host = new URL(MYSQL_URL).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') {
    throw new Error(`FAULTS_MYSQL_URL must point at 127.0.0.1, not ${host}`);
  }
  return createPool({ uri: MYSQL_URL, connectionLimit: 2 });
}
