import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';
import { mysqlWithSessionSettings } from './mysql-driver';

export interface DatabaseSettings {
  /** `mysql://user:password@host:3306/database`; unset means the embedded SQLite file. */
  url?: string;
  sqlitePath: string;
  poolSize: number;
  /** Milliseconds to wait for a new connection before answering 503. */
  connectTimeoutMs: number;
  /**
   * Milliseconds a statement may go unanswered on MySQL before it fails (and its connection is
   * dropped): a black-holed server answers 503, not never. Default 10 s; 0 turns it off.
   */
  queryTimeoutMs?: number;
  /**
   * Milliseconds a statement waits for a row lock (MySQL `innodb_lock_wait_timeout`, rounded up
   * to whole seconds) or for the SQLite file's write lock held by another process. Default 5 s.
   */
  lockWaitTimeoutMs?: number;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
export const DEFAULT_LOCK_WAIT_TIMEOUT_MS = 5_000;

/** The parts of a MySQL URL, as ECS injects them from Secrets Manager. */
export interface DatabaseParts {
  DATABASE_URL?: string;
  DATABASE_HOST?: string;
  DATABASE_PORT?: number;
  DATABASE_NAME?: string;
  DATABASE_USER?: string;
  DATABASE_PASSWORD?: string;
}

/** DATABASE_URL, or one built from DATABASE_HOST and friends; undefined means embedded SQLite. */
export function databaseUrlOf(env: DatabaseParts): string | undefined {
  if (env.DATABASE_URL) {
    return env.DATABASE_URL;
  }
  if (!env.DATABASE_HOST) {
    return undefined;
  }
  const user = encodeURIComponent(env.DATABASE_USER ?? 'root');
  const password = env.DATABASE_PASSWORD ? `:${encodeURIComponent(env.DATABASE_PASSWORD)}` : '';
  const name = encodeURIComponent(env.DATABASE_NAME ?? '');
  return `mysql://${user}${password}@${env.DATABASE_HOST}:${env.DATABASE_PORT ?? 3306}/${name}`;
}

export function isMysqlUrl(url: string | undefined): url is string {
  return url !== undefined && /^(mysql|mariadb):\/\//.test(url);
}

/**
 * TypeORM options for MySQL/Aurora or, with no URL, an embedded SQLite file. The schema comes
 * from the migrations on both (initializeDataSource runs them), never from `synchronize`.
 */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  const queryTimeoutMs = settings.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const lockWaitTimeoutMs = settings.lockWaitTimeoutMs ?? DEFAULT_LOCK_WAIT_TIMEOUT_MS;
  if (isMysqlUrl(settings.url)) {
    return {
      // `mariadb://` selects TypeORM's MariaDB dialect (it reads column defaults differently).
      type: settings.url.startsWith('mariadb:') ? 'mariadb' : 'mysql',
      url: settings.url.replace(/^mariadb:/, 'mysql:'),
      connectorPackage: 'mysql2',
      driver: mysqlWithSessionSettings({ lockWaitTimeoutMs, queryTimeoutMs }),
      entities: settings.entities,
      migrations: settings.migrations,
      // Run by initializeDataSource, under a lock, when the app asks for it.
      migrationsRun: false,
      migrationsTransactionMode: 'each',
      synchronize: false,
      timezone: 'Z',
      // Identifiers compare byte for byte: the columns are utf8mb4_bin (migrations), and so
      // are the literals this connection sends.
      charset: 'utf8mb4_bin',
      supportBigNumbers: true,
      bigNumberStrings: false,
      poolSize: settings.poolSize,
      connectTimeout: settings.connectTimeoutMs,
      extra: {
        enableKeepAlive: true,
        maxIdle: settings.poolSize,
        idleTimeout: 60_000,
      },
    };
  }
  if (settings.sqlitePath !== ':memory:') {
    mkdirSync(dirname(settings.sqlitePath), { recursive: true });
  }
  return {
    type: 'better-sqlite3',
    database: settings.sqlitePath,
    entities: settings.entities,
    migrations: settings.migrations,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    enableWAL: true,
    // Another process (a test, a second app) may hold the file's write lock for a moment.
    timeout: lockWaitTimeoutMs,
  };
}
