import { IsInt, IsNumber, IsString, Max, Min, MinLength } from 'class-validator';
import { PAYMENT_STATUS_QUEUE, SALES_QUEUE } from '@app/contracts';
import { MessagingEnvironment } from '@app/messaging/messaging-environment';

/**
 * sales-worker's environment, validated at start-up; a bad value stops the process. Every field
 * has an explicit type: the conversion from strings reads it from the decorator metadata.
 */
export class SalesWorkerEnvironment extends MessagingEnvironment {
  /** HTTP port for the reads (`GET /sales…`), health and metrics. */
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3001;

  /**
   * The reads return customer and policy ids for any payment id and need no key: they are for
   * operators and the services beside it, so the worker listens on loopback unless told
   * otherwise (a container sets 0.0.0.0 and publishes the port on 127.0.0.1 only).
   */
  override HOST: string = '127.0.0.1';

  override SQLITE_PATH: string = 'data/sales-worker.sqlite';

  /** Queue name or URL. */
  @IsString()
  @MinLength(1)
  SALES_QUEUE: string = SALES_QUEUE;

  /** Queue name or URL. */
  @IsString()
  @MinLength(1)
  PAYMENT_STATUS_QUEUE: string = PAYMENT_STATUS_QUEUE;

  /** At least WORKER_CONCURRENCY, or messages wait for a connection instead of a slot. */
  override DATABASE_POOL_SIZE: number = 10;

  /** Messages received at once (SQS gives at most 10). */
  @IsInt()
  @Min(1)
  @Max(10)
  WORKER_BATCH_SIZE: number = 10;

  /**
   * Messages written to the sales DB at once, across the SQS_RECEIVE_LOOPS batches in hand
   * (values above WORKER_BATCH_SIZE × SQS_RECEIVE_LOOPS change nothing).
   */
  @IsInt()
  @Min(1)
  @Max(160)
  WORKER_CONCURRENCY: number = 10;

  /**
   * Messages per second written to the sales DB, at most; 0 = unlimited. The messages in hand
   * (SQS_RECEIVE_LOOPS × WORKER_BATCH_SIZE) must all get their turn within
   * SQS_VISIBILITY_TIMEOUT_SECONDS, or start-up is refused (checkTogether).
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

  /**
   * The rate cap must let every message in hand through before its visibility ends: the
   * heartbeat extends held messages, but a configuration that depends on it turns every missed
   * beat (and, on LocalStack, every extension: its bug #12954) into a redelivery.
   */
  override checkTogether(): { property: string; message: string }[] {
    const broken = super.checkTogether();
    if (this.WORKER_RATE_LIMIT > 0) {
      const inHand = this.SQS_RECEIVE_LOOPS * this.WORKER_BATCH_SIZE;
      const seconds = inHand / this.WORKER_RATE_LIMIT;
      if (seconds >= this.SQS_VISIBILITY_TIMEOUT_SECONDS) {
        broken.push({
          property: 'WORKER_RATE_LIMIT',
          message:
            `SQS_RECEIVE_LOOPS × WORKER_BATCH_SIZE ÷ WORKER_RATE_LIMIT = ${this.SQS_RECEIVE_LOOPS} × ` +
            `${this.WORKER_BATCH_SIZE} ÷ ${this.WORKER_RATE_LIMIT} = ${seconds.toFixed(1)} s to get through the ` +
            `messages in hand, not below SQS_VISIBILITY_TIMEOUT_SECONDS (${this.SQS_VISIBILITY_TIMEOUT_SECONDS} s): ` +
            'fewer loops, smaller batches, a higher rate or a longer visibility timeout',
        });
      }
    }
    return broken;
  }
}
