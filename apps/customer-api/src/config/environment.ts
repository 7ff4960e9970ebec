import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { MessagingEnvironment } from '@app/messaging/messaging-environment';
import { toBoolean } from '@app/platform/config';

/** customer-api's environment, validated at start-up; a bad value stops the process. */
export class CustomerApiEnvironment extends MessagingEnvironment {
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  override SQLITE_PATH: string = 'data/customer-api.sqlite';

  /** Queue name or URL. */
  @IsString()
  @MinLength(1)
  SALES_QUEUE: string = SALES_QUEUE;

  /** Queue name or URL. */
  @IsString()
  @MinLength(1)
  PAYMENT_STATUS_QUEUE: string = PAYMENT_STATUS_QUEUE;

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

  /**
   * `name:key,name:key`. With neither this nor API_KEYS_FILE (or a file of only comments) the API
   * runs open: allowed in development and tests, refused in production unless ALLOW_ANONYMOUS_API.
   */
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,64}:[\x21-\x7e]{16,}(,[A-Za-z0-9._-]{1,64}:[\x21-\x7e]{16,})*$/, {
    message: 'API_KEYS must be name:key pairs separated by commas, keys of 16+ visible characters',
  })
  API_KEYS?: string;

  /** A file of `name:key` lines (a mounted secret). */
  @IsOptional()
  @IsString()
  API_KEYS_FILE?: string;

  /**
   * The explicit, loud opt-in to an API without keys in production (NODE_ENV=production, the
   * default and what the image sets): every caller is then one client, sharing payments and
   * Idempotency-Keys. Local compose sets it; never set it on a reachable deployment.
   */
  @Transform(toBoolean)
  @IsIn([true, false])
  ALLOW_ANONYMOUS_API: boolean = false;

  /**
   * Failed authentications (401) a source address may cause per minute before its requests are
   * refused with 429 without looking at the key; per process.
   */
  @IsInt()
  @Min(1)
  AUTH_FAILURES_PER_MINUTE: number = 10;

  /**
   * Proxies whose X-Forwarded-For is believed, comma-separated addresses or CIDRs (the load
   * balancer's subnets). Unset: the client address is the TCP peer and the header is ignored.
   */
  @IsOptional()
  @Matches(/^\s*[0-9A-Fa-f.:]+(\/\d{1,3})?\s*(,\s*[0-9A-Fa-f.:]+(\/\d{1,3})?\s*)*$/, {
    message: 'TRUSTED_PROXIES must be comma-separated IP addresses or CIDRs',
  })
  TRUSTED_PROXIES?: string;

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
