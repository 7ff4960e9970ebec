import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { ServiceEnvironment } from '@app/platform';

/** customer-api's environment, validated at start-up; a bad value stops the process. */
export class CustomerApiEnvironment extends ServiceEnvironment {
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  override SQLITE_PATH: string = 'data/customer-api.sqlite';

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

  /** The longest `Prefer: wait=N` honoured on GET /payments/{id}, in seconds; 0 turns it off. */
  @IsInt()
  @Min(0)
  @Max(300)
  LONG_POLL_MAX_WAIT_SECONDS: number = 30;

  /**
   * While long polls wait, how often one query asks the database which waited payments left
   * PENDING (a status applied by another replica); this replica's own updates wake at once.
   */
  @IsInt()
  @Min(10)
  @Max(10_000)
  LONG_POLL_CHECK_INTERVAL_MS: number = 50;

  /** The built payment page served at `/`; not served when the folder does not exist. */
  @IsString()
  PAGE_DIR: string = 'dist/apps/customer-api/page';

  /** Origins allowed by CORS, comma-separated; unset: no CORS headers at all. */
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;
}
