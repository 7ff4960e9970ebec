import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';

export interface DatabaseSettings {
  /** `mysql://user:password@host:3306/database`; unset means the embedded SQLite file. */
  url?: string;
  sqlitePath: string;
  poolSize: number;
  /** Milliseconds to wait for a new connection before answering 503. */
  connectTimeoutMs: number;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

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
 * TypeORM options for MySQL/Aurora (schema from migrations) or, with no URL, an embedded SQLite
 * file (schema synchronised from the entities: it is a local, single-process store).
 */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  if (isMysqlUrl(settings.url)) {
    return {
      // `mariadb://` selects TypeORM's MariaDB dialect (it reads column defaults differently).
      type: settings.url.startsWith('mariadb:') ? 'mariadb' : 'mysql',
      url: settings.url.replace(/^mariadb:/, 'mysql:'),
      entities: settings.entities,
      migrations: settings.migrations,
      // Run by initializeDataSource, under a lock, when the app asks for it.
      migrationsRun: false,
      migrationsTransactionMode: 'each',
      synchronize: false,
      timezone: 'Z',
      charset: 'utf8mb4_unicode_ci',
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
    synchronize: true,
    enableWAL: true,
    // Another process (a test, a second app) may hold the write lock for a moment.
    timeout: 5_000,
  };
}
