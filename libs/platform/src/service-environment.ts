import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { CheckedTogether, toBoolean } from './config';

/**
 * What both services read from the environment; each app's class adds its own. Every default
 * is annotated with its type: class-transformer converts by the declared type.
 */
export class ServiceEnvironment implements CheckedTogether {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'production';

  @IsString()
  HOST: string = '0.0.0.0';

  /** `mysql://user:password@host:3306/database` (`mariadb://` for MariaDB's dialect). */
  @IsOptional()
  @Matches(/^(mysql|mariadb):\/\/.+/, {
    message: 'DATABASE_URL must be a mysql:// or mariadb:// URL',
  })
  DATABASE_URL?: string;

  /** Instead of DATABASE_URL: the parts, as ECS injects them from Secrets Manager. */
  @IsOptional()
  @IsString()
  DATABASE_HOST?: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  DATABASE_PORT?: number;

  @IsOptional()
  @IsString()
  DATABASE_NAME?: string;

  @IsOptional()
  @IsString()
  DATABASE_USER?: string;

  @IsOptional()
  @IsString()
  DATABASE_PASSWORD?: string;

  /** Without DATABASE_URL or DATABASE_HOST the app keeps its data in this SQLite file. */
  @IsString()
  @MinLength(1)
  SQLITE_PATH: string = 'data/app.sqlite';

  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE: number = 16;

  /** How long opening a MySQL connection may take before the request answers 503. */
  @IsInt()
  @Min(100)
  DATABASE_CONNECT_TIMEOUT_MS: number = 2_000;

  /**
   * How long a MySQL statement may go unanswered before it fails (503) and its connection is
   * dropped; above the lock wait, so a lock wait is reported as such. 0: no limit. Migrations
   * run without it.
   */
  @IsInt()
  @Min(0)
  DATABASE_QUERY_TIMEOUT_MS: number = 10_000;

  /**
   * How long a statement waits for a lock: MySQL's `innodb_lock_wait_timeout` of every session
   * (rounded up to seconds; the server's default is 50 s), SQLite's busy timeout on its file.
   */
  @IsInt()
  @Min(1_000)
  @Max(600_000)
  DATABASE_LOCK_WAIT_TIMEOUT_MS: number = 5_000;

  /**
   * Apply pending migrations at start-up (MySQL, under a named lock across replicas). The
   * embedded SQLite file is always migrated.
   */
  @Transform(toBoolean)
  @IsIn([true, false])
  DATABASE_MIGRATIONS_RUN: boolean = true;

  /** Graceful shutdown budget; keep it under the orchestrator's stop timeout (ECS: 30 s). */
  @IsInt()
  @Min(1_000)
  SHUTDOWN_TIMEOUT_MS: number = 25_000;

  /** How long one /health/ready result is reused: probes cost the dependencies at most this often. */
  @IsInt()
  @Min(0)
  @Max(60_000)
  READINESS_CACHE_MS: number = 1_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  /** Rules between variables; an app's class adds its own and keeps its parent's. */
  checkTogether(): { property: string; message: string }[] {
    return [];
  }
}
