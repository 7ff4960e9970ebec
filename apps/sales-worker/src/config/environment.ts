import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { toBoolean } from '@app/platform';

/**
 * sales-worker's environment, validated at start-up; a bad value stops the process. Every field
 * has an explicit type: the conversion from strings reads it from the decorator metadata, which
 * transpile-only builds (ts-jest isolatedModules) do not infer from the initialiser.
 */
export class SalesWorkerEnvironment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'production';

  /** HTTP port for the reads (`GET /sales…`) and the health checks. */
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3001;

  @IsString()
  HOST: string = '0.0.0.0';

  /** `mysql://user:password@host:3306/database`; unset: the embedded SQLite file. */
  @IsOptional()
  @Matches(/^(mysql|mariadb):\/\/.+/, { message: 'DATABASE_URL must be a mysql:// URL' })
  DATABASE_URL?: string;

  @IsString()
  @MinLength(1)
  SQLITE_PATH: string = 'data/sales-worker.sqlite';

  /** At least WORKER_CONCURRENCY, or messages wait for a connection instead of a slot. */
  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE: number = 10;

  @IsInt()
  @Min(100)
  DATABASE_CONNECT_TIMEOUT_MS: number = 2_000;

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

  /** Queue name or URL: consumed. */
  @IsString()
  @MinLength(1)
  SALES_QUEUE: string = SALES_QUEUE;

  /** Queue name or URL: where `sales.recorded` and `sales.failed` go. */
  @IsString()
  @MinLength(1)
  PAYMENT_STATUS_QUEUE: string = PAYMENT_STATUS_QUEUE;

  @IsInt()
  @Min(0)
  @Max(20)
  SQS_WAIT_TIME_SECONDS: number = 20;

  /** Messages received at once (SQS gives at most 10). */
  @IsInt()
  @Min(1)
  @Max(10)
  WORKER_BATCH_SIZE: number = 10;

  /**
   * Messages written to the sales DB at once. The consumer holds one batch at a time, so values
   * above WORKER_BATCH_SIZE change nothing.
   */
  @IsInt()
  @Min(1)
  @Max(10)
  WORKER_CONCURRENCY: number = 10;

  /**
   * Messages per second written to the sales DB, at most; 0 = unlimited. Keep
   * WORKER_BATCH_SIZE / WORKER_RATE_LIMIT well below the queue's visibility timeout, or messages
   * waiting for their turn become visible again and are delivered twice.
   */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  WORKER_RATE_LIMIT: number = 0;

  /** Delay before the second delivery of a failed message, in seconds (doubles each time). */
  @IsInt()
  @Min(1)
  RETRY_BASE_DELAY_SECONDS: number = 2;

  /** Longest delay between deliveries, in seconds (SQS allows 12 hours). */
  @IsInt()
  @Min(1)
  @Max(43_200)
  RETRY_MAX_DELAY_SECONDS: number = 300;

  /** Deliveries before giving up; must equal the `sales` queue's redrive maxReceiveCount. */
  @IsInt()
  @Min(1)
  @Max(1000)
  MAX_RECEIVE_COUNT: number = 5;

  @IsInt()
  @Min(1_000)
  SHUTDOWN_TIMEOUT_MS: number = 25_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';
}
