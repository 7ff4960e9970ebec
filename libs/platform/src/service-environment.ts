import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
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

  @IsString()
  @MinLength(1)
  AWS_REGION: string = 'us-east-1';

  /** SQS-compatible endpoint (LocalStack, the embedded stand-in); unset on AWS. */
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'SQS_ENDPOINT must be an http(s) URL' })
  SQS_ENDPOINT?: string;

  /** TCP connect timeout of every SQS call. */
  @IsInt()
  @Min(100)
  @Max(60_000)
  SQS_CONNECT_TIMEOUT_MS: number = 3_000;

  /** Longest an SQS call may take (a long poll: plus its wait); the SDK tries a call 3 times. */
  @IsInt()
  @Min(100)
  @Max(120_000)
  SQS_REQUEST_TIMEOUT_MS: number = 5_000;

  /** Queue name or URL. */
  @IsString()
  @MinLength(1)
  SALES_QUEUE: string = SALES_QUEUE;

  /** Queue name or URL. */
  @IsString()
  @MinLength(1)
  PAYMENT_STATUS_QUEUE: string = PAYMENT_STATUS_QUEUE;

  /** Long-poll wait of each receive. */
  @IsInt()
  @Min(0)
  @Max(20)
  SQS_WAIT_TIME_SECONDS: number = 20;

  /**
   * Receive loops on the consumed queue, each holding one batch at a time: more overlap the
   * round trips of one batch (receive, delete, status) with the handling of the others.
   */
  @IsInt()
  @Min(1)
  @Max(16)
  SQS_RECEIVE_LOOPS: number = 4;

  /**
   * The queues' redrive maxReceiveCount (queue-admin setup, compose and CDK create them with
   * it): only a backstop for a message that crashes the consumer, above MAX_ATTEMPTS.
   */
  @IsInt()
  @Min(2)
  @Max(1000)
  MAX_RECEIVE_COUNT: number = 10;

  /**
   * Deliveries a message gets for failures of its own (a deadlock, a lock wait timeout) before
   * the consumer gives up on it; an outage of a dependency pauses the consumer and costs none.
   */
  @IsInt()
  @Min(1)
  @Max(999)
  MAX_ATTEMPTS: number = 5;

  /**
   * Seconds a received message stays invisible (set on each receive; the heartbeat extends the
   * messages still in hand every third of it). Equals the queues' VisibilityTimeout.
   */
  @IsInt()
  @Min(2)
  @Max(43_200)
  SQS_VISIBILITY_TIMEOUT_SECONDS: number = 30;

  /** Graceful shutdown budget; keep it under the orchestrator's stop timeout (ECS: 30 s). */
  @IsInt()
  @Min(1_000)
  SHUTDOWN_TIMEOUT_MS: number = 25_000;

  /** How long one /health/ready result is reused: probes cost the dependencies at most this often. */
  @IsInt()
  @Min(0)
  @Max(60_000)
  READINESS_CACHE_MS: number = 1_000;

  /** How often /metrics' queue depths are read from SQS (a scrape calls nothing). */
  @IsInt()
  @Min(1_000)
  QUEUE_DEPTH_SAMPLE_INTERVAL_MS: number = 15_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  checkTogether(): { property: string; message: string }[] {
    if (this.MAX_ATTEMPTS >= this.MAX_RECEIVE_COUNT) {
      return [
        {
          property: 'MAX_ATTEMPTS',
          message: `MAX_ATTEMPTS (${this.MAX_ATTEMPTS}) must be below MAX_RECEIVE_COUNT (${this.MAX_RECEIVE_COUNT}), the queues' redrive policy: the difference is the room for deliveries that are not the message's fault (a crash, a shutdown)`,
        },
      ];
    }
    return [];
  }
}
