import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, createPool, Pool, PoolOptions, RowDataPacket } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { TcpProxy } from './tcp-proxy';
// Each app's exported migrations list: its schema's public entry point.
import { MIGRATIONS as CUSTOMER_MIGRATIONS } from '../../apps/customer-api/src/database/migrations';
import { MIGRATIONS as SALES_MIGRATIONS } from '../../apps/sales-worker/src/database/migrations';

/**
 * The one home of the databases tests, the fault suite and the bench create on the MariaDB
 * server: `Databases` creates them under an owner's prefix and drops them all, whatever happened.
 */
export const MYSQL_HOST = '127.0.0.1';
export const MYSQL_PORT = 3306;
/** The local server, root, no password: where every tool creates its databases unless told. */
export const LOCAL_MYSQL_URL = `mysql://root@${MYSQL_HOST}:${MYSQL_PORT}`;

/** A database is created with an app's tables (its own migrations) or empty. */
export type Schema = 'customer' | 'sales';

/**
 * A database on `server` as a URL: `mariadb://` selects the apps' MariaDB dialect, mysql2 itself
 * wants `mysql://`; `port` differs from the server's when a proxy stands in between.
 */
export function databaseUrl(
  name: string,
  port?: number,
  scheme = 'mariadb',
  server = LOCAL_MYSQL_URL,
): string {
  const base = new URL(server);
  const user = base.username || 'root';
  const password = base.password ? `:${base.password}` : '';
  const host = base.hostname;
  return `${scheme}://${user}${password}@${host}:${port ?? Number(base.port || MYSQL_PORT)}/${name}`;
}

/** A pool on one database, numbers as numbers and times in UTC, as the bench reads them. */
export function pool(
  name: string,
  connectionLimit: number,
  port?: number,
  options: PoolOptions = {},
): Pool {
  return createPool({
    uri: databaseUrl(name, port, 'mysql'),
    connectionLimit,
    maxIdle: connectionLimit,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: false,
    ...options,
  });
}

async function admin<T>(server: string, work: (sql: (q: string) => Promise<T>) => Promise<T>) {
  const connection = await createConnection({ uri: server });
  try {
    return await work(async (q) => (await connection.query(q))[0] as T);
  } finally {
    await connection.end();
  }
}

/** The apps' own migrations, so a table a tool writes is the table the app writes. */
export async function migrate(url: string, schema: Schema): Promise<void> {
  const dataSource = new DataSource({
    type: 'mariadb',
    url,
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

export async function serverVersion(server = LOCAL_MYSQL_URL): Promise<string> {
  const rows = await admin<RowDataPacket[]>(server, (sql) => sql('SELECT VERSION() AS v'));
  return String(rows[0]?.v);
}

/**
 * The databases one owner (a test file, a fault run, a bench run) creates on a local server:
 * every name starts with its prefix, so `dropAll` can never hit another's. Call `dropAll` on
 * success and on failure alike.
 */
export class Databases {
  private readonly created = new Set<string>();

  constructor(
    readonly prefix: string,
    readonly server = LOCAL_MYSQL_URL,
  ) {
    if (!/^[a-z][a-z0-9_]*$/.test(prefix)) {
      throw new Error(`database prefix ${prefix} must be lower case letters, digits and _`);
    }
    const host = new URL(server).hostname;
    if (host !== '127.0.0.1' && host !== 'localhost') {
      throw new Error(`test databases live on 127.0.0.1, not ${host}`);
    }
  }

  /** Creates `<prefix>_<label>`, with an app's tables when `schema` is given; its name. */
  async create(label: string, schema?: Schema): Promise<string> {
    const name = `${this.prefix}_${label}`;
    if (!/^[a-z0-9_]+$/i.test(name)) {
      throw new Error(`refusing to create database ${name}`);
    }
    await admin(this.server, (sql) =>
      sql(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`),
    );
    this.created.add(name);
    if (schema) {
      await migrate(this.url(name, undefined, 'mysql'), schema);
    }
    return name;
  }

  /** Creates `<prefix>_<label>` and opens it for reading. */
  async open(label: string, schema?: Schema): Promise<Database> {
    return new Database(await this.create(label, schema), this);
  }

  url(name: string, port?: number, scheme = 'mariadb'): string {
    return databaseUrl(name, port, scheme, this.server);
  }

  async drop(name: string): Promise<void> {
    await admin(this.server, (sql) => sql(`DROP DATABASE IF EXISTS \`${name}\``));
    this.created.delete(name);
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.created]) {
      await this.drop(name);
    }
  }

  /** Fails with the server's address when it does not answer. */
  async ping(): Promise<void> {
    try {
      await admin(this.server, (sql) => sql('SELECT 1'));
    } catch (err) {
      throw new Error(`MariaDB is not reachable at ${this.server}: ${String(err)}`);
    }
  }
}

/** One created database, read directly (never through a fault proxy). */
export class Database {
  readonly pool: Pool;

  constructor(
    readonly name: string,
    private readonly databases: Databases,
  ) {
    this.pool = createPool({ uri: databases.url(name, undefined, 'mysql'), connectionLimit: 4 });
  }

  /** DATABASE_URL for an app, through `port` when a proxy stands in between. */
  urlVia(port?: number): string {
    return this.databases.url(this.name, port);
  }

  get url(): string {
    return this.urlVia();
  }

  async rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(sql, params);
    return rows as T[];
  }

  async count(table: string): Promise<number> {
    const [row] = await this.rows<{ n: number | string }>(`SELECT COUNT(*) AS n FROM \`${table}\``);
    return Number(row.n);
  }

  /** Closes the pool and drops the database. */
  async drop(): Promise<void> {
    await this.pool.end().catch(() => undefined);
    await this.databases.drop(this.name);
  }
}

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

/** A fresh, empty database owned by one test file. */
export async function createTestDatabase(kind: DatabaseKind, label: string): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  const sqlitePath = join(dir, 'db.sqlite');
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  if (kind === 'sqlite') {
    return { kind, sqlitePath, drop: () => Promise.resolve(removeDir()) };
  }
  const base = process.env.TEST_MYSQL_URL;
  if (!base) {
    throw new Error('TEST_MYSQL_URL is not set');
  }
  const server = new URL(base);
  const scheme = server.protocol.replace(/:$/, '');
  server.pathname = '';
  const databases = new Databases(`t_${randomBytes(4).toString('hex')}`, server.toString());
  const name = await databases.create(label.replace(/[^a-z0-9]/gi, '_'));
  return {
    kind,
    url: databases.url(name, undefined, scheme),
    sqlitePath,
    drop: async () => {
      await databases.dropAll();
      removeDir();
    },
  };
}

/**
 * A real fault of a test's database that the test switches on and off: the database is down.
 * MySQL: the server goes away (a TCP proxy between the app and MariaDB drops every connection
 * and refuses new ones). SQLite is a file in the app's own process and cannot go away; what
 * "down" means for it is that it cannot be written: another process holds its write lock
 * (BEGIN EXCLUSIVE) past the app's busy timeout, so every write fails with SQLITE_BUSY.
 */
export interface DatabaseFault {
  /** DATABASE_URL the app must use so the fault reaches it. */
  url?: string;
  break(): Promise<void>;
  repair(): Promise<void>;
  close(): Promise<void>;
}

export async function databaseFault(db: TestDatabase): Promise<DatabaseFault> {
  if (db.url) {
    const target = new URL(db.url);
    const proxy = await TcpProxy.start(target.hostname, Number(target.port || 3306));
    const url = new URL(db.url);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    return {
      url: url.toString(),
      break: async () => proxy.cut(),
      repair: async () => proxy.restore(),
      close: () => proxy.close(),
    };
  }
  // A connection of its own, as another process would have.
  const locker = new DataSource({
    type: 'better-sqlite3',
    database: db.sqlitePath,
    timeout: 10_000,
  });
  await locker.initialize();
  return {
    break: async () => {
      await locker.query('BEGIN EXCLUSIVE');
    },
    repair: async () => {
      await locker.query('ROLLBACK');
    },
    close: () => locker.destroy(),
  };
}
