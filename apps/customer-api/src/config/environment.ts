import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { toBoolean } from '@app/platform';

/** customer-api's environment, validated at start-up; a bad value stops the process. */
export class CustomerApiEnvironment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'production';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  @IsString()
  HOST: string = '0.0.0.0';

  /** `mysql://user:password@host:3306/database`; unset: the embedded SQLite file. */
  @IsOptional()
  @Matches(/^(mysql|mariadb):\/\/.+/, { message: 'DATABASE_URL must be a mysql:// URL' })
  DATABASE_URL?: string;

  @IsString()
  @MinLength(1)
  SQLITE_PATH: string = 'data/customer-api.sqlite';

  @IsInt()
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE: number = 16;

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

  /** Queue name or URL. */
  @IsString()
  @MinLength(1)
  SALES_QUEUE: string = SALES_QUEUE;

  /** Queue name or URL. */
  @IsString()
  @MinLength(1)
  PAYMENT_STATUS_QUEUE: string = PAYMENT_STATUS_QUEUE;

  @IsInt()
  @Min(0)
  @Max(20)
  SQS_WAIT_TIME_SECONDS: number = 20;

  /** Deliveries of a status message before it is dead-lettered; equals the queue's redrive policy. */
  @IsInt()
  @Min(1)
  @Max(1000)
  MAX_RECEIVE_COUNT: number = 5;

  @IsInt()
  @Min(50)
  OUTBOX_SWEEP_INTERVAL_MS: number = 1_000;

  @IsInt()
  @Min(1)
  @Max(500)
  OUTBOX_BATCH_SIZE: number = 100;

  /** How long an Idempotency-Key is remembered, in seconds. */
  @IsInt()
  @Min(60)
  IDEMPOTENCY_TTL_SECONDS: number = 86_400;

  /** `name:key,name:key`; when neither this nor API_KEYS_FILE is set the API runs open. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,64}:[\x21-\x7e]{16,}(,[A-Za-z0-9._-]{1,64}:[\x21-\x7e]{16,})*$/, {
    message: 'API_KEYS must be name:key pairs separated by commas, keys of 16+ visible characters',
  })
  API_KEYS?: string;

  /** A file of `name:key` lines (a mounted secret). */
  @IsOptional()
  @IsString()
  API_KEYS_FILE?: string;

  /** Requests per second per client (API key, or IP when open); 0 turns the limit off. */
  @IsInt()
  @Min(0)
  RATE_LIMIT_PER_SECOND: number = 200;

  /** Origins allowed by CORS, comma-separated; unset: no CORS headers at all. */
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @IsInt()
  @Min(1_000)
  SHUTDOWN_TIMEOUT_MS: number = 25_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';
}
