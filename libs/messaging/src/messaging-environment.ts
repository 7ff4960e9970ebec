import { IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { ServiceEnvironment } from '@app/platform/service-environment';

/**
 * What a service that talks to SQS reads on top of ServiceEnvironment: the endpoint, the receive
 * loops and the retry budget. The queues' names are the app's own (its environment class).
 */
export class MessagingEnvironment extends ServiceEnvironment {
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

  /** How often /metrics' queue depths are read from SQS (a scrape calls nothing). */
  @IsInt()
  @Min(1_000)
  QUEUE_DEPTH_SAMPLE_INTERVAL_MS: number = 15_000;

  override checkTogether(): { property: string; message: string }[] {
    const broken = super.checkTogether();
    if (this.MAX_ATTEMPTS >= this.MAX_RECEIVE_COUNT) {
      broken.push({
        property: 'MAX_ATTEMPTS',
        message: `MAX_ATTEMPTS (${this.MAX_ATTEMPTS}) must be below MAX_RECEIVE_COUNT (${this.MAX_RECEIVE_COUNT}), the queues' redrive policy: the difference is the room for deliveries that are not the message's fault (a crash, a shutdown)`,
      });
    }
    return broken;
  }
}
