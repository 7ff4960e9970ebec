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

  /**
   * How long a relay owns the outbox rows it claimed; a replica that dies or hangs frees them
   * after this. Longer than one publish can take (3 SDK tries of SQS_REQUEST_TIMEOUT_MS).
   */
  @IsInt()
  @Min(1_000)
  OUTBOX_LEASE_MS: number = 30_000;

  /** Refusals by SQS (bad contents, missing queue) before an outbox row is parked. */
  @IsInt()
  @Min(1)
  @Max(100)
  OUTBOX_MAX_ATTEMPTS: number = 10;

  /** A payment PENDING this long has its `payment.recorded` published again. */
  @IsInt()
  @Min(1)
  PENDING_REASK_AFTER_SECONDS: number = 600;

  /** At most one re-ask per payment in this many seconds. */
  @IsInt()
  @Min(1)
  PENDING_REASK_INTERVAL_SECONDS: number = 900;

  /** How often each replica looks for payments to re-ask about. */
  @IsInt()
  @Min(100)
  PENDING_REASK_SCAN_MS: number = 30_000;

  /** How long an Idempotency-Key is remembered, in seconds (the IETF draft: at least 24 h). */
  @IsInt()
  @Min(60)
  IDEMPOTENCY_TTL_SECONDS: number = 86_400;

  /**
   * The deadline of a request holding an Idempotency-Key: past it (plus 1 s for clock skew)
   * another request with the same key takes the key over; only one of the two commits.
   */
  @IsInt()
  @Min(1_000)
  @Max(60_000)
  REQUEST_DEADLINE_MS: number = 5_000;

  /** How often expired Idempotency-Keys are deleted (in batches of 500). */
  @IsInt()
  @Min(100)
  IDEMPOTENCY_SWEEP_INTERVAL_MS: number = 60_000;

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
}
